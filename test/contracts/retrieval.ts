/**
 * The contract every RetrievalStore adapter passes (the SQL store on PGlite and on Postgres 15 +
 * pgvector). The store is made once; each subtest works in its own random project, so isolation
 * between projects and knowledge bases is itself checked rather than assumed. Random cases (filters,
 * access conditions) are seeded, so a failure reproduces; access conditions are checked against
 * test/helpers/access-condition.ts, the reference evaluator of src/contracts/filter.ts.
 */
import type { Test } from 'tap'
import type { RetrievalHarness } from './retrieval/fixtures.ts'
import { searchContract } from './retrieval/search.ts'
import { storageContract } from './retrieval/storage.ts'
import { versionsContract } from './retrieval/versions.ts'

export type { RetrievalHarness } from './retrieval/fixtures.ts'

export async function retrievalContract(t: Test, make: () => Promise<RetrievalHarness>): Promise<void> {
  const harness = await make()
  t.teardown(harness.cleanup)
  storageContract(t, harness.store)
  searchContract(t, harness.store, harness.scans)
  versionsContract(t, harness.store)
}
