/**
 * The contract every PlatformStore adapter passes (projects, members, admins, API keys and the
 * access change feed). Each adapter's test file calls `platformStoreContract(t, makeStore)`;
 * `makeStore` must return an empty store, and `cleanup` runs when the subtest ends. Records are
 * compared whole, so an adapter that adds, drops or reformats a field fails here rather than in a
 * service. The gateway's audit log and idempotency records have their own contracts (audit.ts,
 * idempotency.ts beside this file).
 */
import type { Test } from 'tap'
import type { PlatformStore } from '../../src/infra/ports/platform.ts'
import { projectsContract } from './platform-store/projects.ts'
import { accessContract } from './platform-store/access.ts'
import { accessFeedContract } from './platform-store/access-feed.ts'
import { freshFrom, type MakeStore } from './platform-store/fixtures.ts'

export type MakePlatformStore = MakeStore<PlatformStore>

export function platformStoreContract(t: Test, makeStore: MakePlatformStore): void {
  const fresh = freshFrom(makeStore)
  projectsContract(t, fresh)
  accessContract(t, fresh)
  accessFeedContract(t, fresh)
}
