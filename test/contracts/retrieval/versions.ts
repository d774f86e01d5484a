/**
 * Index versions of different dimensions in one knowledge base (a reindex with a new embedding
 * model): declared versions take vectors of their own length and are searched by naming them,
 * while the old version keeps answering with its own; a version's vectors keep one length; a
 * dropped version's chunks go and the rest stays.
 */
import type { Test } from 'tap'
import type { RetrievalStore } from '../../../src/infra/ports/retrieval.ts'
import { RagStoreErrors } from '../../../src/infra/retrieval/errors.ts'
import { ALLOW, chunk, doc, projectId } from './fixtures.ts'

const code = (e: { code: string; statusCode: number }) => ({ code: e.code, statusCode: e.statusCode })
const unit = (n: number, i: number) => Array.from({ length: n }, (_, j) => (j === i ? 1 : 0.01))
/** A query leaning on several axes with distinct weights, so the ranking has no ties. */
const mix = (n: number, weights: Record<number, number>) => Array.from({ length: n }, (_, j) => weights[j] ?? 0)

export function versionsContract(t: Test, store: RetrievalStore): void {
  t.test('index versions: a new dimension beside the serving one, searched by version, dropped', async (t) => {
    const p = projectId()
    await store.ensureKnowledgeBase(p, 'kb', 4)
    for (const id of ['a', 'b', 'c']) await store.upsertDocument(p, doc('kb', id))
    for (const [i, id] of ['a', 'b', 'c'].entries()) await store.putChunks(p, 'kb', id, 1, [chunk(0, `four ${id}`, unit(4, i))])
    const search = (version: number | undefined, embedding: number[], k = 3) =>
      store.search({ projectId: p, kbId: 'kb', mode: 'vector', embedding: new Float32Array(embedding), k, access: ALLOW, ...(version === undefined ? {} : { indexVersion: version }) })
    const ids = async (version: number | undefined, embedding: number[]) => (await search(version, embedding)).map((h) => h.documentId)

    await store.declareIndexVersion(p, 'kb', 2, 4)
    t.same(await ids(1, mix(4, { 1: 1, 0: 0.5, 2: 0.2 })), ['b', 'a', 'c'], 'same dimension: nothing changes')
    await store.declareIndexVersion(p, 'kb', 3, 8)
    await t.rejects(store.putChunks(p, 'kb', 'a', 3, [chunk(0, 'x', unit(4, 0))]), code(RagStoreErrors.dimensionMismatch), 'version 3 takes 8 dimensions')
    await t.rejects(store.putChunks(p, 'kb', 'a', 1, [chunk(0, 'x', unit(8, 0))]), code(RagStoreErrors.dimensionMismatch), 'version 1 keeps 4')
    for (const [i, id] of ['a', 'b', 'c'].entries()) await store.putChunks(p, 'kb', id, 3, [chunk(0, `eight ${id}`, unit(8, 7 - i))])

    t.same(await ids(1, mix(4, { 2: 1, 0: 0.5, 1: 0.2 })), ['c', 'a', 'b'], 'the old version answers with its own vectors')
    t.same(await ids(3, mix(8, { 6: 1, 7: 0.5, 5: 0.2 })), ['b', 'a', 'c'], 'the new one with its own')
    t.same((await search(3, mix(8, { 5: 1, 7: 0.5, 6: 0.2 }))).map((h) => h.text), ['eight c', 'eight a', 'eight b'])
    await t.rejects(search(3, unit(4, 0)), code(RagStoreErrors.dimensionMismatch), 'a query vector of the wrong length for the version')
    await t.rejects(search(undefined, unit(4, 0)), code(RagStoreErrors.queryInvalid), 'across versions of two dimensions a search must name one')
    t.equal((await store.search({ projectId: p, kbId: 'kb', mode: 'keyword', text: 'eight', k: 10, access: ALLOW })).length, 3, 'keyword search needs no dimension')
    await t.rejects(store.declareIndexVersion(p, 'kb', 1, 8), code(RagStoreErrors.dimensionMismatch), 'a version holding vectors keeps their length')
    await store.declareIndexVersion(p, 'kb', 3, 8)
    t.same(await ids(3, mix(8, { 6: 1, 7: 0.5, 5: 0.2 })), ['b', 'a', 'c'], 'declaring again is a no-op')

    // Replacing a document's chunks in the new version while the old one serves.
    await store.putChunks(p, 'kb', 'a', 3, [chunk(0, 'eight a again', unit(8, 4))])
    t.equal((await search(3, unit(8, 4), 1))[0]!.text, 'eight a again')

    await store.dropIndexVersion(p, 'kb', 1)
    t.same(await store.listChunks(p, 'kb', 'a', 1), [], "the dropped version's chunks are gone")
    t.same((await store.listChunks(p, 'kb', 'a', 3)).map((c) => c.text), ['eight a again'], 'the other version stays')
    t.same(await ids(3, mix(8, { 4: 1, 6: 0.5, 5: 0.2 })), ['a', 'b', 'c'], 'still searchable')
    await store.dropIndexVersion(p, 'kb', 1)
    await t.rejects(store.declareIndexVersion(p, 'nokb', 2, 8), code(RagStoreErrors.kbNotFound))

    // Deleting the base forgets its versions: a base re-created under the same id starts at its own dimension.
    await store.deleteKnowledgeBase(p, 'kb')
    await store.ensureKnowledgeBase(p, 'kb', 4)
    await store.upsertDocument(p, doc('kb', 'a'))
    await store.putChunks(p, 'kb', 'a', 3, [chunk(0, 'four again', unit(4, 0))])
    t.same(await ids(3, unit(4, 0)), ['a'], 'version 3 has the new base dimension')
  })
}
