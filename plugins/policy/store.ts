/**
 * Where policies and data live: the key-value port (etcd in production), under
 *   policy/<projectId>/modules/<encoded id>  -> Rego source
 *   policy/<projectId>/data                  -> the project's base data document (JSON)
 *   authz/<projectId>                        -> the project's replacement of data.dyad.authz
 * One data key per project keeps every data write a single compare-and-swap on one key, so two
 * DCs updating different subtrees at once never lose either write (the loser retries).
 */
import { createHash } from 'node:crypto'
import type { KvStore, KvWatch } from '../../src/infra/ports/kv.ts'
import { PolicyErrors } from './errors.ts'

export interface PolicySnapshot {
  modules: Array<{ id: string; raw: string }>
  data: Record<string, unknown>
  /** Store revision at which the snapshot was read: monotonic, so a newer snapshot is recognisable. */
  revision: number
  /** Content hash of modules and data: the bundle ETag (unchanged content, unchanged tag). */
  etag: string
}

const enc = (id: string) => encodeURIComponent(id)
const dec = (key: string) => decodeURIComponent(key)

export const policyPrefix = (projectId: string) => `policy/${projectId}/`
const modulesPrefix = (projectId: string) => `policy/${projectId}/modules/`
const dataKey = (projectId: string) => `policy/${projectId}/data`
export const authzKey = (projectId: string) => `authz/${projectId}`
/** Outside policy/ so it is not part of the snapshot (nor its ETag) and not served in bundles. */
const verificationKey = (projectId: string) => `bundle-verification/${projectId}`

const MAX_CAS_ATTEMPTS = 20

export function createPolicyStore(kv: KvStore) {
  return {
    async snapshot(projectId: string): Promise<PolicySnapshot> {
      const { entries, revision } = await kv.range(policyPrefix(projectId))
      const modules: PolicySnapshot['modules'] = []
      let data: Record<string, unknown> = {}
      const hash = createHash('sha256')
      for (const e of entries) {
        hash.update(e.key).update('\0').update(e.value).update('\0')
        if (e.key === dataKey(projectId)) data = JSON.parse(e.value)
        else if (e.key.startsWith(modulesPrefix(projectId))) modules.push({ id: dec(e.key.slice(modulesPrefix(projectId).length)), raw: e.value })
      }
      return { modules, data, revision, etag: hash.digest('hex').slice(0, 32) }
    },

    async putModule(projectId: string, id: string, raw: string): Promise<number> {
      return (await kv.put(modulesPrefix(projectId) + enc(id), raw)).revision
    },

    async deleteModule(projectId: string, id: string): Promise<boolean> {
      return (await kv.delete(modulesPrefix(projectId) + enc(id))).deleted > 0
    },

    /**
     * Read-modify-write of the data document with compare-and-swap on its modRevision. `change`
     * returns the new document, or throws to abort (e.g. a patch that does not apply).
     */
    async updateData(projectId: string, change: (current: Record<string, unknown>) => Record<string, unknown>): Promise<number> {
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
        const current = await kv.get(dataKey(projectId))
        const next = change(current ? JSON.parse(current.value) : {})
        const res = await kv.txn(
          [{ key: dataKey(projectId), target: 'modRevision', op: '=', value: current?.modRevision ?? 0 }],
          [{ type: 'put', key: dataKey(projectId), value: JSON.stringify(next) }],
        )
        if (res.succeeded) return res.revision
      }
      throw PolicyErrors.conflict('The data document kept changing under this write; retry.')
    },

    /** Replaces every module and the data document at once (bundle import). */
    async replaceAll(projectId: string, modules: Array<{ id: string; raw: string }>, data: Record<string, unknown>): Promise<number> {
      const res = await kv.txn(
        [],
        [
          { type: 'deletePrefix', prefix: modulesPrefix(projectId) },
          ...modules.map((m) => ({ type: 'put' as const, key: modulesPrefix(projectId) + enc(m.id), value: m.raw })),
          { type: 'put', key: dataKey(projectId), value: JSON.stringify(data) },
        ],
      )
      return res.revision
    },

    async getAuthzOverride(projectId: string): Promise<string | undefined> {
      return (await kv.get(authzKey(projectId)))?.value
    },
    async putAuthzOverride(projectId: string, raw: string): Promise<void> {
      await kv.put(authzKey(projectId), raw)
    },
    /** The project's bundle signature verification config (JSON), if it set one. */
    async getBundleVerification(projectId: string): Promise<string | undefined> {
      return (await kv.get(verificationKey(projectId)))?.value
    },
    async putBundleVerification(projectId: string, json: string): Promise<void> {
      await kv.put(verificationKey(projectId), json)
    },
    async deleteBundleVerification(projectId: string): Promise<boolean> {
      return (await kv.delete(verificationKey(projectId))).deleted > 0
    },
    /** Everything the project has here: modules, data, its authorization replacement, its bundle verification keys. */
    async deleteProject(projectId: string): Promise<void> {
      await kv.txn([], [
        { type: 'deletePrefix', prefix: policyPrefix(projectId) },
        { type: 'delete', key: authzKey(projectId) },
        { type: 'delete', key: verificationKey(projectId) },
      ])
    },
    async deleteAuthzOverride(projectId: string): Promise<boolean> {
      return (await kv.delete(authzKey(projectId))).deleted > 0
    },

    /** Calls `onChange(projectId, kind)` for every change under policy/ and authz/. */
    async watch(onChange: (projectId: string, kind: 'policy' | 'authz') => void, onError: (err: Error) => void) {
      const parse = (kind: 'policy' | 'authz') => (event: { key: string }) => {
        const projectId = event.key.split('/')[1]
        if (projectId) onChange(projectId, kind)
      }
      const a = await kv.watch('policy/', parse('policy'), { onError })
      let b: KvWatch
      try {
        b = await kv.watch('authz/', parse('authz'), { onError })
      } catch (err) {
        await a.cancel().catch(() => {})
        throw err
      }
      return { cancel: async () => void (await Promise.all([a.cancel(), b.cancel()])) }
    },
  }
}

export type PolicyStore = ReturnType<typeof createPolicyStore>
