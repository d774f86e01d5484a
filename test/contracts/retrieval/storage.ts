/** Retrieval contract, storage half: knowledge bases, documents, chunks, isolation and deletion. */
import type { Test } from 'tap'
import { RagStoreErrors } from '../../../src/infra/retrieval/errors.ts'
import type { RetrievalStore } from '../../../src/infra/ports/retrieval.ts'
import { ALLOW, chunk, doc, projectId } from './fixtures.ts'

const code = (e: { code: string; statusCode: number }) => ({ code: e.code, statusCode: e.statusCode })

export function storageContract(t: Test, store: RetrievalStore): void {
  t.test('knowledge bases: ensure is idempotent and the dimension is fixed', async (t) => {
    const p = projectId()
    await store.ensureKnowledgeBase(p, 'kb', 3)
    await t.resolves(store.ensureKnowledgeBase(p, 'kb', 3), 'ensuring again changes nothing')
    await t.rejects(store.ensureKnowledgeBase(p, 'kb', 4), code(RagStoreErrors.dimensionMismatch))
    for (const bad of [0, -1, 1.5, 4001, Number.NaN, '3' as unknown as number]) {
      await t.rejects(store.ensureKnowledgeBase(p, `kb-${String(bad)}`, bad), code(RagStoreErrors.dimensionInvalid), `dimension ${String(bad)}`)
    }
    await t.rejects(store.upsertDocument(p, doc('nokb', 'd')), code(RagStoreErrors.kbNotFound))
    await t.rejects(store.search({ projectId: p, kbId: 'nokb', mode: 'keyword', text: 'x', k: 1, access: ALLOW }), code(RagStoreErrors.kbNotFound))
    await t.rejects(store.countDocuments(p, 'nokb', ALLOW), code(RagStoreErrors.kbNotFound))
    t.equal(await store.getDocument(p, 'nokb', 'd'), undefined)
    t.equal(await store.deleteDocument(p, 'nokb', 'd'), false)
    t.equal(await store.chunkCount(p, 'nokb', 'd'), 0)
    // Above 2000 dimensions the index is on halfvec; the knowledge base still works.
    await store.ensureKnowledgeBase(p, 'wide', 3000)
    await store.upsertDocument(p, doc('wide', 'd'))
    await store.putChunks(p, 'wide', 'd', 1, [chunk(0, 'wide vector', Array.from({ length: 3000 }, (_, i) => (i === 7 ? 1 : 0)))])
    const hits = await store.search({ projectId: p, kbId: 'wide', mode: 'vector', embedding: new Float32Array(3000).fill(0).map((_, i) => (i === 7 ? 1 : 0)), k: 1, access: ALLOW })
    t.same(hits.map((h) => [h.documentId, Math.round(h.score * 1000) / 1000]), [['d', 1]])
  })

  t.test('documents: upsert, get, replace, list in id order, dedupe by content hash', async (t) => {
    const p = projectId()
    await store.ensureKnowledgeBase(p, 'kb', 2)
    const d1 = doc('kb', 'd1', { title: 'One', metadata: { a: 1, b: 'x', c: true }, access: { users: ['u1'], groups: [], public: false }, contentHash: 'H' })
    await store.upsertDocument(p, d1)
    t.same(await store.getDocument(p, 'kb', 'd1'), d1, 'the record comes back whole')
    const noTitle = doc('kb', 'd2', { contentHash: 'H', createdAt: '2026-01-03T00:00:00.000Z' })
    await store.upsertDocument(p, noTitle)
    t.same(await store.getDocument(p, 'kb', 'd2'), noTitle, 'an absent title stays absent')
    t.equal(await store.getDocument(p, 'kb', 'zz'), undefined)
    t.same(await store.findByContentHash(p, 'kb', 'H'), d1, 'the oldest document with the hash')
    t.equal(await store.findByContentHash(p, 'kb', 'nope'), undefined)
    t.equal(await store.setDocumentStatus(p, 'kb', 'd1', 'ready', 'other-hash'), false, 'not set for other content (a replaced document)')
    t.equal((await store.getDocument(p, 'kb', 'd1'))!.status, d1.status)
    t.equal(await store.setDocumentStatus(p, 'kb', 'd1', 'ready', 'H'), true)
    t.match(await store.getDocument(p, 'kb', 'd1'), { status: 'ready', text: d1.text, contentHash: 'H' }, 'only the status changes')
    t.equal(await store.setDocumentStatus(p, 'kb', 'zz', 'ready', 'H'), false, 'no such document')
    await store.upsertDocument(p, d1)

    await store.putChunks(p, 'kb', 'd1', 1, [chunk(0, 'alpha', [1, 0])])
    const replaced = { ...d1, title: undefined, text: 'new text', metadata: { z: 'z' }, access: {}, status: 'indexing', updatedAt: '2026-02-01T00:00:00.000Z' }
    delete replaced.title
    await store.upsertDocument(p, replaced)
    t.same(await store.getDocument(p, 'kb', 'd1'), replaced, 'replaced whole, title removed')
    t.equal(await store.chunkCount(p, 'kb', 'd1'), 1, 'replacing the row keeps its chunks')

    // "C" order: uppercase before lowercase, accents last.
    for (const id of ['b', 'B', 'a', 'é', 'Z', 'a1']) await store.upsertDocument(p, doc('kb', id))
    const seen: string[] = []
    let cursor: string | undefined
    for (let pages = 0; pages < 10; pages++) {
      const page = await store.listDocuments(p, 'kb', { limit: 3, cursor })
      t.ok(page.items.length <= 3)
      seen.push(...page.items.map((d) => d.id))
      cursor = page.nextCursor
      if (!cursor) break
    }
    t.same(seen, ['B', 'Z', 'a', 'a1', 'b', 'd1', 'd2', 'é'])
    const restricted = await store.listDocuments(p, 'kb', { limit: 100, access: { op: 'eq', field: { path: ['id'] }, value: 'd2' } })
    t.same(restricted, { items: [noTitle] })
    await t.rejects(store.listDocuments(p, 'kb', { limit: 3, cursor: 'garbage!' }), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.listDocuments(p, 'kb', { limit: 0 }), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.upsertDocument(p, doc('kb', 'x', { metadata: { 'bad key': 1 } })), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.upsertDocument(p, doc('kb', 'x', { text: 'nul \u0000 inside' })), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.upsertDocument(p, doc('kb', 'x', { metadata: { k: 'lone \ud800' } })), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.upsertDocument(p, doc('kb', 'x', { access: { owner: 'u' } as never })), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.getDocument(p, 'kb', ''), code(RagStoreErrors.inputInvalid))
  })

  t.test('isolation: the same ids in two projects and two knowledge bases never mix', async (t) => {
    const [p1, p2] = [projectId(), projectId()]
    const places = [[p1, 'kb'], [p2, 'kb'], [p1, 'kb2']] as const
    for (const [p, kb] of places) {
      await store.ensureKnowledgeBase(p, kb, 2)
      await store.upsertDocument(p, doc(kb, 'd', { contentHash: 'same', title: `${p}/${kb}` }))
      await store.putChunks(p, kb, 'd', 1, [chunk(0, `shared word ${kb}`, [1, 0]), chunk(1, 'shared word', [0, 1])])
    }
    for (const [p, kb] of places) {
      const hits = await store.search({ projectId: p, kbId: kb, mode: 'hybrid', text: 'shared word', embedding: new Float32Array([1, 0]), k: 10, access: ALLOW })
      t.same(new Set(hits.map((h) => h.title)), new Set([`${p}/${kb}`]), `${kb}: only its own chunks`)
      t.equal(hits.length, 2)
      t.equal(await store.countDocuments(p, kb, ALLOW), 1)
      t.equal((await store.findByContentHash(p, kb, 'same'))?.title, `${p}/${kb}`)
    }
    t.equal(await store.deleteDocument(p1, 'kb', 'd'), true)
    t.equal(await store.chunkCount(p2, 'kb', 'd'), 2, 'the other project keeps its document')
    t.equal(await store.chunkCount(p1, 'kb2', 'd'), 2, 'the other knowledge base keeps its document')
    await store.deleteKnowledgeBase(p2, 'kb')
    t.equal(await store.chunkCount(p1, 'kb2', 'd'), 2)
    await store.deleteProject(p1)
    await store.deleteProject(p2)
  })

  t.test('chunks: a rerun after a crash neither duplicates nor loses; versions; deletes', async (t) => {
    const p = projectId()
    await store.ensureKnowledgeBase(p, 'kb', 2)
    await store.upsertDocument(p, doc('kb', 'd'))
    const all = Array.from({ length: 5 }, (_, i) => chunk(i, `piece ${i}`, [1, i], { headingPath: ['H1', `H2 ${i}`] }))
    await store.putChunks(p, 'kb', 'd', 1, all.slice(0, 3).map((c) => ({ ...c, text: `stale ${c.index}` })))
    await store.putChunks(p, 'kb', 'd', 1, all)
    t.equal(await store.chunkCount(p, 'kb', 'd'), 5)
    await store.putChunks(p, 'kb', 'd', 1, all)
    t.equal(await store.chunkCount(p, 'kb', 'd'), 5, 'idempotent')
    const hits = await store.search({ projectId: p, kbId: 'kb', mode: 'keyword', text: 'piece', k: 10, access: ALLOW })
    t.same(hits.map((h) => h.text).sort(), all.map((c) => c.text), 'the rerun wrote the final text')
    t.same(hits.find((h) => h.index === 2), {
      documentId: 'd', chunkId: hits.find((h) => h.index === 2)!.chunkId, index: 2, text: 'piece 2', start: 20, end: 27,
      headingPath: ['H1', 'H2 2'], score: hits.find((h) => h.index === 2)!.score, metadata: {}, ranks: { keyword: hits.findIndex((h) => h.index === 2) + 1 },
    })
    t.equal(await store.search({ projectId: p, kbId: 'kb', mode: 'keyword', text: 'stale', k: 10, access: ALLOW }).then((h) => h.length), 0)

    await store.putChunks(p, 'kb', 'd', 2, all.slice(0, 2))
    t.equal(await store.chunkCount(p, 'kb', 'd'), 7, 'a second version beside the first')
    const v2 = await store.search({ projectId: p, kbId: 'kb', mode: 'vector', embedding: new Float32Array([1, 1]), k: 10, access: ALLOW, indexVersion: 2 })
    t.same(v2.map((h) => h.index).sort(), [0, 1], 'indexVersion selects that version only')
    t.equal(await store.deleteChunks(p, 'kb', 'd', 1), 5)
    t.equal(await store.deleteChunks(p, 'kb', 'd', 1), 0)
    t.equal(await store.chunkCount(p, 'kb', 'd'), 2)

    await t.rejects(store.putChunks(p, 'kb', 'missing', 1, all), code(RagStoreErrors.documentNotFound))
    await t.rejects(store.putChunks(p, 'kb', 'd', 1, [chunk(0, 'x', [1, 0, 0])]), code(RagStoreErrors.dimensionMismatch))
    await t.rejects(store.putChunks(p, 'kb', 'd', 1, [chunk(0, 'x', [1, 0]), chunk(0, 'y', [1, 0])]), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.putChunks(p, 'kb', 'd', 1, [chunk(0, 'x', [1, Number.NaN])]), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.putChunks(p, 'kb', 'd', -1, [chunk(0, 'x', [1, 0])]), code(RagStoreErrors.inputInvalid))
    await t.rejects(store.putChunks(p, 'kb', 'd', 1, [{ ...chunk(0, 'x', [1, 0]), embedding: [1, 0] as never }]), code(RagStoreErrors.inputInvalid))
    t.equal(await store.chunkCount(p, 'kb', 'd'), 2, 'refused calls wrote nothing')

    t.equal(await store.deleteDocument(p, 'kb', 'd'), true)
    t.equal(await store.deleteDocument(p, 'kb', 'd'), false)
    t.equal(await store.chunkCount(p, 'kb', 'd'), 0, 'chunks went with the document')
    t.equal(await store.getDocument(p, 'kb', 'd'), undefined)
  })

  t.test('concurrent callers: ensure, putChunks reruns and deletes do not collide', async (t) => {
    const p = projectId()
    await Promise.all([1, 2, 3].map(() => store.ensureKnowledgeBase(p, 'same', 2)))
    await Promise.all(['x', 'y', 'z'].map((kb) => store.ensureKnowledgeBase(p, kb, 2)))
    await store.upsertDocument(p, doc('same', 'd'))
    const chunks = Array.from({ length: 20 }, (_, i) => chunk(i, `c ${i}`, [1, i]))
    await Promise.all([1, 2, 3].map(() => store.putChunks(p, 'same', 'd', 1, chunks)))
    t.equal(await store.chunkCount(p, 'same', 'd'), 20, 'three workers writing the same chunks leave one copy')
    await Promise.all(['x', 'y', 'z'].map((kb) => store.deleteKnowledgeBase(p, kb)))
    t.equal(await store.countDocuments(p, 'same', ALLOW), 1)
    await store.deleteProject(p)
  })

  t.test('deleteKnowledgeBase and deleteProject remove everything', async (t) => {
    const p = projectId()
    for (const kb of ['a', 'b']) {
      await store.ensureKnowledgeBase(p, kb, 2)
      await store.upsertDocument(p, doc(kb, 'd'))
      await store.putChunks(p, kb, 'd', 1, [chunk(0, 'gone soon', [1, 0])])
    }
    await store.deleteKnowledgeBase(p, 'a')
    await t.resolves(store.deleteKnowledgeBase(p, 'a'), 'deleting again is fine')
    t.equal(await store.getDocument(p, 'a', 'd'), undefined)
    t.equal(await store.chunkCount(p, 'a', 'd'), 0)
    await t.rejects(store.countDocuments(p, 'a', ALLOW), code(RagStoreErrors.kbNotFound))
    // Re-created with another dimension: nothing of the old one is left to conflict with.
    await store.ensureKnowledgeBase(p, 'a', 3)
    t.equal(await store.countDocuments(p, 'a', ALLOW), 0)
    t.equal(await store.search({ projectId: p, kbId: 'a', mode: 'keyword', text: 'gone', k: 5, access: ALLOW }).then((h) => h.length), 0)
    t.equal(await store.countDocuments(p, 'b', ALLOW), 1, 'the other knowledge base is untouched')

    await store.deleteProject(p)
    for (const kb of ['a', 'b']) {
      await t.rejects(store.countDocuments(p, kb, ALLOW), code(RagStoreErrors.kbNotFound))
      t.equal(await store.chunkCount(p, kb, 'd'), 0)
    }
    await t.resolves(store.deleteProject(p), 'an empty project deletes fine')
  })
}
