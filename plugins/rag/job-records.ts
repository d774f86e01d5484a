/**
 * Job records in the app-data store, written by the API (cancel) and by workers in either DC
 * (progress, state). Every write is a read-modify-write under the record's etag, so a cancel is
 * never overwritten by a worker's progress written a moment later: once cancelled, a record only
 * takes further cancel-side writes.
 */
import { AppDataErrors } from '../../src/infra/appdata/errors.ts'
import type { AppDataStore } from '../../src/infra/ports/appdata.ts'
import { COLLECTIONS, type IngestJob } from './model.ts'

const ATTEMPTS = 10

export async function patchJob(appData: AppDataStore, projectId: string, jobId: string, patch: Partial<IngestJob>, now: () => Date): Promise<IngestJob | undefined> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const doc = await appData.get<IngestJob>(projectId, COLLECTIONS.jobs, jobId)
    if (!doc) return undefined
    if (doc.body.state === 'cancelled' && patch.state !== 'cancelled') return doc.body
    const body = { ...doc.body, ...patch, updatedAt: now().toISOString() }
    try {
      await appData.put(projectId, COLLECTIONS.jobs, jobId, body, { ifMatch: doc.etag })
      return body
    } catch (err) {
      if (!AppDataErrors.preconditionFailed.is(err)) throw err
    }
  }
  throw new Error(`job record ${jobId} kept changing`)
}
