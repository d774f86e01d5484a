import nodeVault from 'node-vault'
import type { SecretValue, SecretsStore } from '../ports/secrets.ts'
import { SecretsErrors } from './errors.ts'
import { assertPath, assertPrefix, assertValue } from './paths.ts'

export interface VaultSecretsOptions {
  /** e.g. https://vault.internal:8200 */
  addr: string
  token: string
  /** Mount path of a KV version 2 engine, e.g. `secret`. */
  mount: string
  /** Folder under the mount for Dyad's secrets, e.g. `dyad/`; a missing trailing "/" is added. */
  prefix: string
  /** Per-request timeout, so a hung Vault fails the request instead of pinning it (default 10 s). */
  timeoutMs?: number
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { response?: { statusCode?: unknown } } | null)?.response?.statusCode
  return typeof status === 'number' ? status : undefined
}

/**
 * Secrets in HashiCorp Vault's KV v2 engine: values at `<mount>/data/<prefix><path>`, names and
 * deletion at `<mount>/metadata/...`. Deleting removes the metadata, i.e. every version, so a
 * deleted secret cannot be undeleted from Vault by mistake either.
 *
 * Errors from node-vault are never passed on: they carry the request (for a write, the secret) in
 * their properties, and a logger that serialises the error would print it. Callers get a
 * SECRETS_UNAVAILABLE with the status code and the secret's name only.
 */
export function createVaultSecrets(opts: VaultSecretsOptions): SecretsStore {
  const client = nodeVault({
    apiVersion: 'v1',
    endpoint: opts.addr,
    token: opts.token,
    // node-vault's default debug logger prints write payloads (the secrets) when DEBUG=node-vault.
    debug: () => {},
    // LIST as `GET ?list=1`, which Vault documents as equivalent: proxies and load balancers in front
    // of Vault commonly reject the non-standard LIST method.
    noCustomHTTPVerbs: true,
    requestOptions: { timeout: opts.timeoutMs ?? 10_000 },
  })
  const mount = opts.mount.replace(/^\/+|\/+$/g, '')
  const base = opts.prefix.replace(/^\/+|\/+$/g, '')
  const prefix = base === '' ? '' : `${base}/`
  const dataPath = (name: string) => `${mount}/data/${prefix}${name}`
  const metadataPath = (name: string) => `${mount}/metadata/${prefix}${name}`

  /** Runs one Vault call; a 404 becomes `undefined` (unless `strict`), anything else a sanitised error. */
  async function call<T>(what: string, name: string, fn: () => Promise<T>, strict = false): Promise<T | undefined> {
    try {
      return await fn()
    } catch (err) {
      const status = statusOf(err)
      if (status === 404 && !strict) return undefined
      throw SecretsErrors.unavailable(
        `Vault ${what} of "${name}" failed (${status === undefined ? 'no response' : `status ${status}`}); check the Vault address, the token and its policy.`,
        { status },
      )
    }
  }

  /** Every name below `folder` (which is '' or ends with '/'), walking sub-folders depth first. */
  async function walk(folder: string, out: string[]): Promise<void> {
    const res = await call('list', folder, () => client.list(metadataPath(folder)))
    const keys: unknown = res?.data?.keys
    if (!Array.isArray(keys)) return
    for (const key of keys) {
      if (typeof key !== 'string') continue
      if (key.endsWith('/')) await walk(`${folder}${key}`, out)
      else out.push(`${folder}${key}`)
    }
  }

  return {
    kind: 'vault',

    async get(path) {
      assertPath(path)
      // A soft-deleted latest version also answers 404 (with metadata), which is "no secret" here too.
      const res = await call('read', path, () => client.read(dataPath(path)))
      const data: unknown = res?.data?.data
      return data && typeof data === 'object' ? ({ ...data } as SecretValue) : undefined
    },

    async put(path, value) {
      assertPath(path)
      assertValue(value)
      // Strict: a 404 here means the mount does not exist, and a write must never pass silently.
      await call('write', path, () => client.write(dataPath(path), { data: { ...value } }), true)
    },

    async delete(path) {
      assertPath(path)
      // KV v2 answers 204 to deleting absent metadata, so existence is read first; the race with a
      // concurrent delete only affects the boolean, not the outcome.
      const meta = await call('metadata read', path, () => client.read(metadataPath(path)))
      if (meta === undefined) return false
      await call('delete', path, () => client.delete(metadataPath(path)), true)
      return true
    },

    async list(listPrefix) {
      assertPrefix(listPrefix)
      // LIST works on folders, so list the folder holding the prefix and filter by the full prefix,
      // which gives the same string-prefix semantics as the local store.
      const folder = listPrefix.slice(0, listPrefix.lastIndexOf('/') + 1)
      const names: string[] = []
      await walk(folder, names)
      return names.filter((n) => n.startsWith(listPrefix)).sort()
    },

    async ping() {
      // Proves reachability and that the token is valid (sys/health would accept any token).
      await call('token lookup', '(self)', () => client.tokenLookupSelf(), true)
    },

    async close() {
      client.stopAllRenewals()
    },
  }
}
