/**
 * Where cms state lives: the key-value port (one etcd cluster shared by both DCs). What every
 * process holds in memory (apps, environments, namespace heads) is under one prefix, so one range
 * reads it at one revision and one watch keeps it current:
 *
 *   cms/c/<p>/app/<app>                              app record
 *   cms/c/<p>/env/<app>/<env>                        environment record
 *   cms/c/<p>/head/<app>/<env>/<cluster>/<ns>        head: format, main and gray release with content
 *   cms/m/<p>/<app>/<env>/<cluster>/<ns>             namespace record: format, JSON Schema
 *   cms/d/<p>/<app>/<env>/<cluster>/<ns>             draft
 *   cms/r/<p>/<app>/<env>/<cluster>/<ns>/<seq>       release (immutable; seq zero-padded, so ranges sort)
 *
 * Releases are Dyad's own records: etcd's MVCC history is compacted, these never are. Every step
 * that changes what clients read (publish, gray, promote, abort, rollback) is one transaction
 * guarded by the head's modRevision (and the draft's, when it consumes one), so two DCs racing
 * on one namespace never both win, and a release number is never given twice.
 */
import type { KvEntry, KvOp, KvStore } from '../../src/infra/ports/kv.ts'
import type { ConfigFormat, GrayRule, NamespaceRef, Release } from './model.ts'

export interface AppRecord {
  name: string
  description: string
  createdAt: string
  createdBy: string
}

export interface EnvRecord {
  name: string
  /** Publishing needs an approval the publish policy accepts (shipped: four-eyes). */
  protected: boolean
  createdAt: string
}

export interface NamespaceRecord {
  format: ConfigFormat
  /** JSON Schema the document must satisfy (json, yaml and properties). */
  schema?: object
  description: string
  createdAt: string
}

export interface HeadRecord {
  format: ConfigFormat
  main?: Release
  gray?: { release: Release; rule: GrayRule }
  /** The last release number given in this namespace. */
  lastSeq: number
}

export type DraftStatus = 'editing' | 'submitted' | 'approved' | 'rejected'

export interface DraftRecord {
  content: string
  /** Everyone who changed the draft since it was created (four-eyes: none of them may approve). */
  editors: string[]
  status: DraftStatus
  submittedBy?: string
  approvals: Array<{ by: string; at: string; comment: string }>
  rejection?: { by: string; at: string; comment: string }
  updatedAt: string
  /** The main release the draft was started from (undefined before the first publish). */
  baseSeq?: number
}

export const SEQ_DIGITS = 10
const seqKey = (seq: number) => String(seq).padStart(SEQ_DIGITS, '0')
const nsPath = (r: NamespaceRef) => `${r.app}/${r.env}/${r.cluster}/${r.namespace}`

export const keys = {
  cachedPrefix: 'cms/c/',
  app: (p: string, app: string) => `cms/c/${p}/app/${app}`,
  apps: (p: string) => `cms/c/${p}/app/`,
  env: (p: string, app: string, env: string) => `cms/c/${p}/env/${app}/${env}`,
  envs: (p: string, app: string) => `cms/c/${p}/env/${app}/`,
  head: (r: NamespaceRef) => `cms/c/${r.projectId}/head/${nsPath(r)}`,
  namespace: (r: NamespaceRef) => `cms/m/${r.projectId}/${nsPath(r)}`,
  namespacesOfApp: (p: string, app: string) => `cms/m/${p}/${app}/`,
  draft: (r: NamespaceRef) => `cms/d/${r.projectId}/${nsPath(r)}`,
  releases: (r: NamespaceRef) => `cms/r/${r.projectId}/${nsPath(r)}/`,
  release: (r: NamespaceRef, seq: number) => `cms/r/${r.projectId}/${nsPath(r)}/${seqKey(seq)}`,
  /** Each process's published part of a namespace's instances view (under that process's lease). */
  instances: (r: NamespaceRef) => `cms/i/${r.projectId}/${nsPath(r)}/`,
  instance: (r: NamespaceRef, process: string) => `cms/i/${r.projectId}/${nsPath(r)}/${process}`,
  /** Every prefix one project's data lives under. */
  project: (p: string) => ['c', 'm', 'd', 'r', 'i'].map((k) => `cms/${k}/${p}/`),
  /** Every prefix one app's data lives under (its record itself is `app`). */
  ofApp: (p: string, app: string) => [`cms/c/${p}/env/${app}/`, `cms/c/${p}/head/${app}/`, ...['m', 'd', 'r', 'i'].map((k) => `cms/${k}/${p}/${app}/`)],
  /** Every key of one namespace (releases included). */
  ofNamespace: (r: NamespaceRef) => ({ keys: [keys.head(r), keys.namespace(r), keys.draft(r)], prefixes: [keys.releases(r), keys.instances(r)] }),
}

/** What a cached key is: parsed from `cms/c/<p>/<kind>/...`. */
export type CachedKey =
  | { kind: 'app'; projectId: string; app: string }
  | { kind: 'env'; projectId: string; app: string; env: string }
  | { kind: 'head'; ref: NamespaceRef }

export function parseCachedKey(key: string): CachedKey | undefined {
  const parts = key.slice(keys.cachedPrefix.length).split('/')
  const [projectId, kind] = parts
  if (!projectId) return undefined
  if (kind === 'app' && parts.length === 3) return { kind, projectId, app: parts[2]! }
  if (kind === 'env' && parts.length === 4) return { kind, projectId, app: parts[2]!, env: parts[3]! }
  if (kind === 'head' && parts.length === 6) {
    const [, , app, env, cluster, namespace] = parts as [string, string, string, string, string, string]
    return { kind, ref: { projectId, app, env, cluster, namespace } }
  }
  return undefined
}

export interface Versioned<T> {
  value: T
  modRevision: number
}

const parse = <T>(e: KvEntry | undefined): Versioned<T> | undefined => (e ? { value: JSON.parse(e.value) as T, modRevision: e.modRevision } : undefined)

export function createCmsStore(kv: KvStore) {
  const getJson = async <T>(key: string) => parse<T>(await kv.get(key))
  const rangeJson = async <T>(prefix: string, limit?: number) => {
    const res = await kv.range(prefix, limit ? { limit } : undefined)
    return res.entries.map((e) => ({ key: e.key, ...parse<T>(e)! }))
  }

  return {
    kv,
    getApp: (p: string, app: string) => getJson<AppRecord>(keys.app(p, app)),
    listApps: (p: string) => rangeJson<AppRecord>(keys.apps(p)),
    getEnv: (p: string, app: string, env: string) => getJson<EnvRecord>(keys.env(p, app, env)),
    listEnvs: (p: string, app: string) => rangeJson<EnvRecord>(keys.envs(p, app)),
    getNamespace: (r: NamespaceRef) => getJson<NamespaceRecord>(keys.namespace(r)),
    listNamespaces: (p: string, app: string) => rangeJson<NamespaceRecord>(keys.namespacesOfApp(p, app)),
    getHead: (r: NamespaceRef) => getJson<HeadRecord>(keys.head(r)),
    getDraft: (r: NamespaceRef) => getJson<DraftRecord>(keys.draft(r)),
    getRelease: async (r: NamespaceRef, seq: number) => (await getJson<Release>(keys.release(r, seq)))?.value,
    /** Newest first would need a reverse range; releases are few per page, so read and reverse. */
    listReleases: async (r: NamespaceRef) => (await rangeJson<Release>(keys.releases(r))).map((e) => e.value),

    /** Creates a key only if it is absent. Returns false when it exists. */
    async create(key: string, value: unknown, also: KvOp[] = [], absent: string[] = []): Promise<boolean> {
      const res = await kv.txn(
        [key, ...absent].map((k) => ({ key: k, target: 'createRevision' as const, op: '=' as const, value: 0 })),
        [{ type: 'put', key, value: JSON.stringify(value) }, ...also],
      )
      return res.succeeded
    },

    /**
     * Writes `puts` and `deletes` only if every guarded key still has the modRevision it was read at
     * (0: still absent). Returns the new store revision, or undefined when a guard failed.
     */
    async commit(guards: Array<{ key: string; modRevision: number }>, puts: Array<{ key: string; value: unknown }>, deletes: string[] = []): Promise<number | undefined> {
      const res = await kv.txn(
        guards.map((g) => ({ key: g.key, target: 'modRevision' as const, op: '=' as const, value: g.modRevision })),
        [...puts.map((p) => ({ type: 'put' as const, key: p.key, value: JSON.stringify(p.value) })), ...deletes.map((key) => ({ type: 'delete' as const, key }))],
      )
      return res.succeeded ? res.revision : undefined
    },

    async deletePrefixes(prefixes: string[], also: string[] = []): Promise<void> {
      await kv.txn([], [...prefixes.map((prefix) => ({ type: 'deletePrefix' as const, prefix })), ...also.map((key) => ({ type: 'delete' as const, key }))])
    },

    async deleteProject(p: string): Promise<void> {
      await kv.txn([], keys.project(p).map((prefix) => ({ type: 'deletePrefix' as const, prefix })))
    },
  }
}

export type CmsStore = ReturnType<typeof createCmsStore>
