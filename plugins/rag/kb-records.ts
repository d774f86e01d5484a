/** Read-modify-write of a knowledge-base record under its etag (the API and both DCs' workers write it). */
import type { AppDataStore } from '../../src/infra/ports/appdata.ts'
import { AppDataErrors } from '../../src/infra/appdata/errors.ts'
import { COLLECTIONS, type KnowledgeBase } from './model.ts'

/**
 * Applies `change` to the stored record, retrying when another writer got in between. `change`
 * returns undefined for "nothing to write" (the current record is returned); a missing record is
 * undefined.
 */
export async function updateKbRecord(
  appData: AppDataStore,
  projectId: string,
  kbId: string,
  change: (kb: KnowledgeBase) => KnowledgeBase | undefined,
): Promise<KnowledgeBase | undefined> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const doc = await appData.get<KnowledgeBase>(projectId, COLLECTIONS.kbs, kbId)
    if (!doc) return undefined
    const next = change(doc.body)
    if (!next) return doc.body
    try {
      await appData.put(projectId, COLLECTIONS.kbs, kbId, next, { ifMatch: doc.etag })
      return next
    } catch (err) {
      if (!AppDataErrors.preconditionFailed.is(err)) throw err
    }
  }
  throw new Error('the knowledge base record kept changing')
}
