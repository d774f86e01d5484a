/**
 * The contract every PlatformStore adapter passes. Each adapter's test file calls
 * `platformStoreContract(t, makeStore)`; `makeStore` must return an empty store, and `cleanup` runs
 * when the subtest ends. Records are compared whole, so an adapter that adds, drops or reformats a
 * field fails here rather than in a service.
 */
import type { Test } from 'tap'
import type { PlatformStore } from '../../src/infra/ports/platform.ts'
import { projectsContract } from './platform-store/projects.ts'
import { accessContract } from './platform-store/access.ts'
import { auditContract } from './platform-store/audit.ts'
import { idempotencyContract } from './platform-store/idempotency.ts'

export type MakePlatformStore = () => Promise<{ store: PlatformStore; cleanup(): Promise<void> }>

export function platformStoreContract(t: Test, makeStore: MakePlatformStore): void {
  const fresh = async (t: Test) => {
    const { store, cleanup } = await makeStore()
    t.teardown(cleanup)
    return store
  }
  projectsContract(t, fresh)
  accessContract(t, fresh)
  auditContract(t, fresh)
  idempotencyContract(t, fresh)
}
