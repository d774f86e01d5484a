/**
 * Secret references in config values: a value `vault:<path>#<field>` (a whole value in properties,
 * JSON and YAML documents; `${vault:<path>#<field>}` inside text documents) names a secret in the
 * secrets port (Vault in production) under the project's own space, `cms/<projectId>/<path>`. Only
 * the reference is ever stored (etcd, releases, history, diffs, exports); the value is resolved on
 * the `config/resolved` read, which needs the `cms.secrets.read` action, and cached with a TTL.
 */
import type { SecretsStore, SecretValue } from '../../src/infra/ports/secrets.ts'
import { CmsErrors } from './errors.ts'
import { parseDocument, serialize } from './formats/index.ts'
import type { ConfigFormat } from './model.ts'

const PATH = '[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+){0,15}'
const FIELD = '[A-Za-z0-9_.-]{1,128}'
const WHOLE_REF = new RegExp(`^vault:(${PATH})#(${FIELD})$`)
const INLINE_REF = new RegExp(`\\$\\{vault:(${PATH})#(${FIELD})\\}`, 'g')
export const SECRET_PATH_RE = new RegExp(`^${PATH}$`)

export const secretPath = (projectId: string, path: string) => `cms/${projectId}/${path}`

export function createSecretResolver(secrets: SecretsStore, ttlMs: number) {
  const cache = new Map<string, { value: SecretValue | undefined; at: number }>()

  async function lookup(projectId: string, path: string, field: string): Promise<string> {
    const key = secretPath(projectId, path)
    let hit = cache.get(key)
    if (!hit || Date.now() - hit.at > ttlMs) {
      hit = { value: await secrets.get(key), at: Date.now() }
      cache.set(key, hit)
      if (cache.size > 10_000) cache.delete(cache.keys().next().value!)
    }
    const v = hit.value?.[field]
    if (v === undefined) throw CmsErrors.secretUnresolved(`secret reference vault:${path}#${field} does not resolve`, { path, field })
    return v
  }

  async function walk(projectId: string, v: unknown): Promise<unknown> {
    if (typeof v === 'string') {
      const m = WHOLE_REF.exec(v)
      return m ? lookup(projectId, m[1]!, m[2]!) : v
    }
    if (Array.isArray(v)) return Promise.all(v.map((x) => walk(projectId, x)))
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) out[k] = await walk(projectId, x)
      return out
    }
    return v
  }

  return {
    /** The document with every reference replaced by its value, in the same format. */
    async resolve(projectId: string, format: ConfigFormat, content: string): Promise<string> {
      if (format === 'text') {
        const refs = [...content.matchAll(INLINE_REF)]
        const values = await Promise.all(refs.map((m) => lookup(projectId, m[1]!, m[2]!)))
        let i = 0
        return content.replace(INLINE_REF, () => values[i++]!)
      }
      const parsed = parseDocument(format, content)
      if (format === 'properties') return serialize('properties', await walk(projectId, parsed.entries))
      return serialize(format, await walk(projectId, parsed.value))
    },
    /** Drops cached values (after a write through Dyad, so rotation is seen at once in this process). */
    forget(projectId: string, path: string) {
      cache.delete(secretPath(projectId, path))
    },
  }
}

export type SecretResolver = ReturnType<typeof createSecretResolver>
