/**
 * The platform store as the platform service sees it: every write that changes access also tells
 * this process's directory at once, so a revocation or removal made here is in force for the very
 * next request here (other processes learn it from the access feed).
 */
import type { AccessChange, PlatformStore } from '../../src/infra/ports/platform.ts'

export function trackAccessWrites(store: PlatformStore, changed: (c: AccessChange) => void): PlatformStore {
  const after = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, change: (...args: A) => AccessChange) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args)
      } finally {
        // Also on failure: the write may have committed before the error reached us.
        changed(change(...args))
      }
    }
  return {
    ...store,
    createProject: after(store.createProject, (p) => ({ kind: 'project', key: p.id })),
    // The project's members and keys go with it; drop everything rather than track each of them.
    deleteProject: after(store.deleteProject, () => ({ kind: 'reset' })),
    putMember: after(store.putMember, (m) => ({ kind: 'member', key: `${m.projectId}/${m.subject}` })),
    deleteMember: after(store.deleteMember, (p, s) => ({ kind: 'member', key: `${p}/${s}` })),
    setPlatformAdmin: after(store.setPlatformAdmin, (s) => ({ kind: 'admin', key: s })),
    createApiKey: after(store.createApiKey, (k) => ({ kind: 'apikey', key: k.id })),
    revokeApiKey: after(store.revokeApiKey, (id) => ({ kind: 'apikey', key: id })),
  }
}
