import { readFile, stat } from 'node:fs/promises'
import type { SecretValue, SecretsStore } from '../ports/secrets.ts'
import { writeFileAtomic } from '../../shared/atomic-file.ts'
import { keyCheck, loadOrCreateKeyFile, parseKey, seal, unseal, type Sealed } from './cipher.ts'
import { SecretsErrors } from './errors.ts'
import { assertPath, assertPrefix, assertValue } from './paths.ts'

export interface LocalSecretsOptions {
  /** The encrypted JSON file, under the data directory. */
  file: string
  /** 32-byte key as 64 hex characters or base64. When absent, `keyFile` holds (or gets) the key. */
  key?: string
  /** Where a generated key is kept (mode 0600). Back it up with the file: without it nothing decrypts. */
  keyFile: string
}

/**
 * On-disk shape. Names are stored in clear (like Vault, whose LIST shows names to anyone allowed to
 * list); only values are encrypted.
 */
interface SecretsFile {
  version: 1
  keyCheck: string
  secrets: Record<string, Sealed>
}

interface Snapshot {
  /** Identity of the file version this was parsed from; a rename by anyone changes the inode. */
  stamp: string
  secrets: Map<string, Sealed>
}

function isSealed(v: unknown): v is Sealed {
  const s = v as Partial<Sealed> | null
  return typeof s === 'object' && s !== null && [s.iv, s.data, s.tag].every((x) => typeof x === 'string')
}

/**
 * Secrets in a local file encrypted with AES-256-GCM: the embedded default, for a single node or
 * for development. Writes are serialised within the process and replace the file atomically; the
 * file is meant to have ONE writing process (each DC has its own data directory), since nothing locks
 * it across processes. Reads re-parse the file only when its (inode, size, mtime) changed: exact for
 * this process's own writes, best-effort for edits from outside (a restore is followed by a restart).
 */
export function createLocalSecrets(opts: LocalSecretsOptions): SecretsStore {
  let keyPromise: Promise<Buffer> | undefined
  let cache: Snapshot | undefined
  let writes: Promise<unknown> = Promise.resolve()

  async function loadKey(): Promise<Buffer> {
    if (opts.key !== undefined) return parseKey(opts.key)
    // A new key is only ever made for an empty store: next to an existing file it could decrypt
    // nothing, and it would bury the fact that the real key file went missing.
    return loadOrCreateKeyFile(opts.keyFile, async () => {
      try {
        await stat(opts.file)
        return false
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true
        throw err
      }
    })
  }

  function key(): Promise<Buffer> {
    keyPromise ??= loadKey().catch((err) => {
      keyPromise = undefined
      throw err
    })
    return keyPromise
  }

  /** The current contents, verified to belong to our key. A missing file is an empty store. */
  async function load(k: Buffer): Promise<Snapshot> {
    let stamp: string
    try {
      const s = await stat(opts.file, { bigint: true })
      stamp = `${s.ino}:${s.size}:${s.mtimeNs}`
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { stamp: 'absent', secrets: new Map() }
      throw err
    }
    if (cache?.stamp === stamp) return cache
    let parsed: Partial<SecretsFile>
    try {
      parsed = JSON.parse(await readFile(opts.file, 'utf8'))
    } catch (err) {
      if (err instanceof SyntaxError) throw SecretsErrors.corrupt()
      throw err
    }
    if (parsed?.version !== 1 || typeof parsed.secrets !== 'object' || parsed.secrets === null) throw SecretsErrors.corrupt()
    if (parsed.keyCheck !== keyCheck(k)) throw SecretsErrors.keyMismatch()
    // A Map, not a plain object: names such as `__proto__` or `constructor` are valid paths.
    const secrets = new Map(Object.entries(parsed.secrets))
    if (![...secrets.values()].every(isSealed)) throw SecretsErrors.corrupt()
    cache = { stamp, secrets }
    return cache
  }

  /** Read-modify-write under the in-process queue; `change` returns false to skip the write. */
  function mutate<T>(change: (secrets: Map<string, Sealed>, k: Buffer) => { write: boolean; result: T }): Promise<T> {
    const run = writes.then(async () => {
      const k = await key()
      const current = await load(k)
      const secrets = new Map(current.secrets)
      const { write, result } = change(secrets, k)
      if (write) {
        const doc: SecretsFile = { version: 1, keyCheck: keyCheck(k), secrets: Object.fromEntries(secrets) }
        await writeFileAtomic(opts.file, `${JSON.stringify(doc, null, 2)}\n`)
        cache = undefined
      }
      return result
    })
    writes = run.catch(() => {})
    return run
  }

  return {
    kind: 'local',

    async get(path) {
      assertPath(path)
      const k = await key()
      const sealed = (await load(k)).secrets.get(path)
      return sealed === undefined ? undefined : (JSON.parse(unseal(k, sealed, path)) as SecretValue)
    },

    async put(path, value) {
      assertPath(path)
      assertValue(value)
      // Copied field by field so only own string fields are stored.
      const plain = JSON.stringify(Object.fromEntries(Object.entries(value)))
      await mutate((secrets, k) => {
        secrets.set(path, seal(k, plain, path))
        return { write: true, result: undefined }
      })
    },

    async delete(path) {
      assertPath(path)
      return mutate((secrets) => {
        const existed = secrets.delete(path)
        return { write: existed, result: existed }
      })
    },

    async list(prefix) {
      assertPrefix(prefix)
      const { secrets } = await load(await key())
      return [...secrets.keys()].filter((name) => name.startsWith(prefix)).sort()
    },

    /** Fails with SECRETS_KEY_MISMATCH or SECRETS_FILE_CORRUPT at startup rather than at first use. */
    async ping() {
      await load(await key())
    },

    async close() {
      await writes
    },
  }
}
