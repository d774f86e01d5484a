/**
 * The one contract every AppDataStore adapter must pass (Postgres on PGlite and on a real server,
 * Cosmos DB on the emulator). The store is made once; each subtest works in its own random project,
 * which is itself a check that projects isolate.
 */
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { AppDataStore, AppDocument } from '../../src/infra/ports/appdata.ts'

export interface AppDataHarness {
  store: AppDataStore
  /** Closes the store and removes whatever the harness created (database, container...). */
  cleanup: () => Promise<void>
}
export type MakeAppDataStore = () => Promise<AppDataHarness>

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const project = () => `proj-${randomBytes(5).toString('hex')}`

/** Every page of a query, following nextCursor; fails the test instead of looping forever. */
async function allPages(t: Test, store: AppDataStore, projectId: string, collection: string, q: { limit: number; order?: 'asc' | 'desc'; where?: Record<string, string | number | boolean> }) {
  const pages: AppDocument[][] = []
  let cursor: string | undefined
  do {
    const page = await store.query(projectId, collection, { ...q, cursor })
    pages.push(page.items)
    cursor = page.nextCursor
    if (pages.length > 100) throw new Error('pagination does not terminate')
  } while (cursor)
  t.ok(pages.every((p, i) => i === pages.length - 1 || p.length === q.limit), 'every page but the last is full')
  return pages
}

/** (updatedAt, id) order; ids in these tests are ASCII so byte order and any collation agree. */
function inOrder(docs: AppDocument[], order: 'asc' | 'desc'): boolean {
  for (let i = 1; i < docs.length; i++) {
    const a = docs[i - 1]
    const b = docs[i]
    const cmp = a.updatedAt === b.updatedAt ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.updatedAt < b.updatedAt ? -1 : 1
    if (order === 'asc' ? cmp >= 0 : cmp <= 0) return false
  }
  return true
}

export async function appDataContract(t: Test, makeStore: MakeAppDataStore): Promise<void> {
  const { store, cleanup } = await makeStore()
  t.teardown(cleanup)

  await t.test('reports its kind and is reachable', async (t) => {
    t.ok(store.kind === 'postgres' || store.kind === 'cosmos')
    await t.resolves(store.ping())
  })

  await t.test('create, get, put, delete', async (t) => {
    const p = project()
    const created = await store.create(p, 'notes', 'n1', { title: 'first', tags: ['a'] })
    t.match(created, { projectId: p, collection: 'notes', id: 'n1', body: { title: 'first', tags: ['a'] } })
    t.type(created.etag, 'string')
    t.ok(created.etag.length > 0, 'etag is not empty')
    t.match(created.updatedAt, ISO_MS)
    t.strictSame(await store.get(p, 'notes', 'n1'), created, 'get returns what create returned')

    const replaced = await store.put(p, 'notes', 'n1', { title: 'second' })
    t.strictSame(replaced.body, { title: 'second' }, 'put replaces the whole body')
    t.not(replaced.etag, created.etag, 'every write changes the etag')
    t.ok(replaced.updatedAt >= created.updatedAt, 'updatedAt does not go back')
    t.strictSame(await store.get(p, 'notes', 'n1'), replaced)

    const upserted = await store.put(p, 'notes', 'n2', { title: 'made by put' })
    t.strictSame(await store.get(p, 'notes', 'n2'), upserted, 'put without ifMatch creates')

    t.equal(await store.delete(p, 'notes', 'n1'), true)
    t.equal(await store.get(p, 'notes', 'n1'), undefined)
    t.equal(await store.delete(p, 'notes', 'n1'), false, 'deleting again reports nothing deleted')
    t.equal(await store.get(p, 'notes', 'never'), undefined)
  })

  await t.test('create refuses an existing id', async (t) => {
    const p = project()
    const first = await store.create(p, 'jobs', 'j1', { n: 1 })
    await t.rejects(store.create(p, 'jobs', 'j1', { n: 2 }), { code: 'APPDATA_ALREADY_EXISTS', statusCode: 409 })
    t.strictSame(await store.get(p, 'jobs', 'j1'), first, 'the original is untouched')
    await store.delete(p, 'jobs', 'j1')
    t.equal((await store.create(p, 'jobs', 'j1', { n: 3 })).body.n, 3, 'a deleted id can be created again')
  })

  await t.test('ifMatch', async (t) => {
    const p = project()
    const v1 = await store.create(p, 'conv', 'c1', { turn: 1 })
    const v2 = await store.put(p, 'conv', 'c1', { turn: 2 }, { ifMatch: v1.etag })
    t.equal(v2.body.turn, 2, 'the current etag succeeds')
    t.not(v2.etag, v1.etag)
    await t.rejects(store.put(p, 'conv', 'c1', { turn: 99 }, { ifMatch: v1.etag }), {
      code: 'APPDATA_PRECONDITION_FAILED',
      statusCode: 412,
    })
    t.strictSame(await store.get(p, 'conv', 'c1'), v2, 'a failed precondition writes nothing')
    await t.rejects(store.put(p, 'conv', 'missing', { turn: 1 }, { ifMatch: v1.etag }), { code: 'APPDATA_PRECONDITION_FAILED' })
    t.equal(await store.get(p, 'conv', 'missing'), undefined, 'ifMatch never creates')
    await store.delete(p, 'conv', 'c1')
    await t.rejects(store.put(p, 'conv', 'c1', { turn: 3 }, { ifMatch: v2.etag }), { code: 'APPDATA_PRECONDITION_FAILED' })
  })

  await t.test('projects and collections are isolated', async (t) => {
    const [a, b] = [project(), project()]
    const inA = await store.create(a, 'logs', 'same', { owner: 'a' })
    const inB = await store.create(b, 'logs', 'same', { owner: 'b' })
    await store.create(a, 'other', 'same', { owner: 'a-other' })
    t.equal((await store.get(a, 'logs', 'same'))?.body.owner, 'a')
    t.equal((await store.get(b, 'logs', 'same'))?.body.owner, 'b')
    await store.put(b, 'logs', 'same', { owner: 'b2' }, { ifMatch: inB.etag })
    t.strictSame(await store.get(a, 'logs', 'same'), inA, 'a write in one project leaves the other alone')
    await store.create(b, 'logs', 'only-b', { owner: 'b' })
    const qa = await store.query(a, 'logs')
    t.strictSame(qa.items.map((d) => [d.projectId, d.collection, d.id]), [[a, 'logs', 'same']], 'a query never crosses projects or collections')
    t.strictSame((await store.query(a, 'logs', { where: { owner: 'b' } })).items, [], 'not even through a filter')
    t.equal(await store.delete(a, 'logs', 'same'), true)
    t.equal((await store.get(b, 'logs', 'same'))?.body.owner, 'b2', 'deleting in one project leaves the other')
  })

  await t.test('createMany creates a batch in one call and leaves existing ids alone', async (t) => {
    const p = project()
    const existing = await store.create(p, 'events', 'e1', { n: 'first' })
    const docs = Array.from({ length: 250 }, (_, i) => ({ id: `e${i}`, body: { n: i, text: `événement ${i}`, nested: { ok: true } } }))
    t.equal(await store.createMany(p, 'events', docs), 249, 'every id but the existing one')
    t.strictSame(await store.get(p, 'events', 'e1'), existing, 'an existing document is not overwritten')
    t.strictSame((await store.get(p, 'events', 'e7'))?.body, { n: 7, text: 'événement 7', nested: { ok: true } })
    t.equal(await store.createMany(p, 'events', docs), 0, 'a retried batch creates nothing')
    t.equal(await store.createMany(p, 'events', []), 0)
  })

  await t.test('createMany takes bodies already serialised as JSON text, mixed with values', async (t) => {
    const p = project()
    const created = await store.createMany(p, 'events', [
      { id: 'text', json: JSON.stringify({ n: 1, list: [1, 'two', { three: null }], text: 'é \u2028 "q"' }) },
      { id: 'value', body: { n: 2 } },
    ])
    t.equal(created, 2)
    t.strictSame((await store.get(p, 'events', 'text'))?.body, { n: 1, list: [1, 'two', { three: null }], text: 'é \u2028 "q"' })
    t.strictSame((await store.get(p, 'events', 'value'))?.body, { n: 2 })
    t.strictSame((await store.query(p, 'events', { where: { n: 1 } })).items.map((d) => d.id), ['text'], 'a serialised body is queryable like any other')
  })

  await t.test('deleteCollection removes one collection of one project and nothing else', async (t) => {
    const [a, b] = [project(), project()]
    for (let i = 0; i < 105; i++) await store.create(a, 'logs', `d${i}`, { i })
    const other = await store.create(a, 'runs', 'r1', { i: 1 })
    const kept = await store.create(b, 'logs', 'd1', { i: 1 })
    t.equal(await store.deleteCollection(a, 'logs'), 105)
    t.strictSame((await store.query(a, 'logs')).items, [])
    t.strictSame((await store.query(a, 'runs')).items, [other], 'other collections stay')
    t.strictSame(await store.get(b, 'logs', 'd1'), kept, 'the other project keeps its documents')
    t.equal(await store.deleteCollection(a, 'logs'), 0, 'idempotent')
    await store.create(a, 'logs', 'd1', { fresh: true })
    t.strictSame((await store.get(a, 'logs', 'd1'))?.body, { fresh: true }, 'a re-created project starts empty')
  })

  await t.test('where filters on top-level fields, type-exact', async (t) => {
    const p = project()
    await store.create(p, 'runs', 'r1', { status: 'done', attempts: 1, ok: true, meta: { status: 'nested' } })
    await store.create(p, 'runs', 'r2', { status: 'done', attempts: 2, ok: false })
    await store.create(p, 'runs', 'r3', { status: 'failed', attempts: 1, ok: false, tags: ['done'] })
    await store.create(p, 'runs', 'r4', { status: '1', attempts: '1', ok: 'true' })
    const ids = async (where: Record<string, string | number | boolean>) =>
      (await store.query(p, 'runs', { where })).items.map((d) => d.id).sort()
    t.strictSame(await ids({ status: 'done' }), ['r1', 'r2'])
    t.strictSame(await ids({ attempts: 1 }), ['r1', 'r3'], 'numbers match numbers')
    t.strictSame(await ids({ attempts: '1' }), ['r4'], 'a string never matches a number')
    t.strictSame(await ids({ ok: true }), ['r1'], 'booleans match booleans only')
    t.strictSame(await ids({ ok: false, attempts: 1 }), ['r3'], 'several fields must all match')
    t.strictSame(await ids({ status: 'nested' }), [], 'nested fields are not top-level fields')
    t.strictSame(await ids({ missing: 'x' }), [], 'an absent field matches nothing')
    t.strictSame(await ids({ tags: 'done' }), [], 'a scalar filter does not match inside an array')
    t.strictSame(await ids({}), ['r1', 'r2', 'r3', 'r4'])
    for (const field of ['a.b', 'x"]) OR true --', '', 'sp ace']) {
      await t.rejects(store.query(p, 'runs', { where: { [field]: 'x' } }), { code: 'APPDATA_INVALID_QUERY', statusCode: 400 }, `field ${JSON.stringify(field)} is rejected`)
    }
    await t.rejects(store.query(p, 'runs', { where: { status: { $ne: 1 } as unknown as string } }), { code: 'APPDATA_INVALID_QUERY' }, 'object values are rejected')
  })

  await t.test('pagination in both orders, without gaps or duplicates', async (t) => {
    const p = project()
    const expected: string[] = []
    for (let i = 0; i < 25; i++) {
      const id = `doc-${String(i).padStart(3, '0')}`
      expected.push(id)
      await store.create(p, 'items', id, { i, even: i % 2 === 0 })
    }
    // Moves doc-003 to the end of the asc order: pages follow updatedAt, not creation. The pause makes
    // its timestamp strictly later than every create, so the id tie-break cannot decide.
    await new Promise((r) => setTimeout(r, 5))
    await store.put(p, 'items', 'doc-003', { i: 3, even: false, touched: true })
    for (const order of ['asc', 'desc'] as const) {
      const pages = await allPages(t, store, p, 'items', { limit: 7, order })
      t.strictSame(pages.map((pg) => pg.length), [7, 7, 7, 4], `${order}: page sizes`)
      const docs = pages.flat()
      t.equal(new Set(docs.map((d) => d.id)).size, 25, `${order}: no duplicates`)
      t.strictSame(docs.map((d) => d.id).sort(), expected, `${order}: no gaps`)
      t.ok(inOrder(docs, order), `${order}: ordered by (updatedAt, id)`)
      t.equal(docs[order === 'asc' ? 24 : 0].id, 'doc-003', `${order}: the last write sorts ${order === 'asc' ? 'last' : 'first'}`)
    }
    const asc = (await allPages(t, store, p, 'items', { limit: 7 })).flat().map((d) => d.id)
    const desc = (await allPages(t, store, p, 'items', { limit: 7, order: 'desc' })).flat().map((d) => d.id)
    t.strictSame(desc, [...asc].reverse(), 'desc is exactly asc reversed')

    const evens = (await allPages(t, store, p, 'items', { limit: 4, where: { even: true } })).flat()
    t.strictSame(evens.map((d) => d.id).sort(), expected.filter((_, i) => i % 2 === 0), 'filters combine with pagination')

    const first = await store.query(p, 'items', { limit: 10 })
    await store.create(p, 'items', 'zzz-late', { i: 99 })
    let rest: AppDocument[] = []
    let cursor = first.nextCursor
    while (cursor) {
      const page = await store.query(p, 'items', { limit: 10, cursor })
      rest = rest.concat(page.items)
      cursor = page.nextCursor
    }
    const seen = [...first.items, ...rest].map((d) => d.id)
    t.equal(new Set(seen).size, 26, 'a document written between pages is neither lost nor repeated')
    t.equal(seen[seen.length - 1], 'zzz-late')

    for (const order of ['asc', 'desc'] as const) {
      const page = await store.query(p, 'items', { limit: 10, order })
      const resumed = await store.query(p, 'items', { limit: 3, order, cursor: store.cursorAfter(page.items[4]) })
      t.strictSame(resumed.items.map((d) => d.id), page.items.slice(5, 8).map((d) => d.id), `${order}: cursorAfter resumes right after the document`)
    }
  })

  await t.test('limits: default 100, clamped to 1..1000', async (t) => {
    const p = project()
    for (let i = 0; i < 105; i++) await store.create(p, 'bulk', `b-${String(i).padStart(3, '0')}`, { i })
    const page = await store.query(p, 'bulk')
    t.equal(page.items.length, 100, 'default limit is 100')
    t.type(page.nextCursor, 'string')
    const rest = await store.query(p, 'bulk', { cursor: page.nextCursor })
    t.equal(rest.items.length, 5)
    t.equal(rest.nextCursor, undefined, 'the last page has no cursor')
    t.equal((await store.query(p, 'bulk', { limit: 0 })).items.length, 1, 'a limit below 1 is raised to 1')
    t.equal((await store.query(p, 'bulk', { limit: 5000 })).items.length, 105, 'a limit above 1000 is lowered, not refused')
    t.strictSame(await store.query(p, 'empty'), { items: [] }, 'an empty collection is one empty page')
  })

  await t.test('malformed cursors are refused', async (t) => {
    const p = project()
    const bad = ['not a cursor', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["yesterday","x"]').toString('base64url'), Buffer.from('["2024-01-01T00:00:00.000Z",5]').toString('base64url'), '']
    for (const cursor of bad) {
      await t.rejects(store.query(p, 'c', { cursor }), { code: 'APPDATA_INVALID_CURSOR', statusCode: 400 }, `cursor ${JSON.stringify(cursor)}`)
    }
  })

  await t.test('unicode and nested bodies round-trip exactly', async (t) => {
    const p = `${project()}-プロジェクト`
    const body = {
      text: 'héllo wörld — 你好, мир, مرحبا, 👩‍👩‍👧‍👦 e\u0301',
      escapes: 'quote " backslash \\ newline \n tab \t',
      'ключ 🔑': 'unicode key',
      numbers: [0, -1, 3.25, 0.1, 1e21, Number.MAX_SAFE_INTEGER],
      flags: [true, false, null],
      empty: { obj: {}, arr: [], str: '' },
      deep: { a: { b: { c: { d: [{ e: [1, [2, [3, { f: 'g' }]]] }] } } } },
    }
    const id = 'ドキュメント/ü #1?'
    const created = await store.create(p, 'コレクション', id, body)
    t.strictSame(created.body, body)
    const got = await store.get(p, 'コレクション', id)
    t.strictSame(got?.body, body, 'the stored body comes back exactly')
    t.equal(got?.id, id)
    const found = await store.query(p, 'コレクション', { where: { text: body.text } })
    t.strictSame(found.items.map((d) => d.id), [id], 'unicode values filter exactly')
    t.equal(await store.delete(p, 'コレクション', id), true)
  })
}
