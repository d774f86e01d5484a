/**
 * OpenAI's vector-store API through the official `openai` SDK, unchanged, against a listening Dyad:
 * files upload, vector stores create/list/retrieve/delete, attach files (status, last_error,
 * createAndPoll), search with `filters` and `ranking_options`, detach.
 */
import t from 'tap'
import { toFile } from 'openai'
import { llmApp } from '../llm/setup.ts'

/** The HTTP status an SDK call failed with (0 when it did not fail). */
const statusOf = (p: Promise<unknown>) => p.then(() => 0, (err: { status?: number }) => err.status ?? -1)

t.test('files, vector stores and search with the openai SDK', async (t) => {
  const { openai, keys } = await llmApp(t)
  const admin = openai(keys.alice)
  const client = openai()

  const vs = await admin.vectorStores.create({ name: 'support', metadata: { team: 'care' } })
  t.match(vs, { object: 'vector_store', name: 'support', status: 'completed', file_counts: { total: 0 }, metadata: { team: 'care' } })
  t.match(vs.id, /^vs_/)
  t.equal(await statusOf(client.vectorStores.create({ name: 'nope' })), 403, 'a project user cannot create vector stores')

  const texts = {
    'refunds.md': '# Refunds\n\nRefunds are paid back to the original card within five business days.',
    'shipping.md': '# Shipping\n\nOrders ship from the Rotterdam warehouse; express delivery takes one day.',
    'returns.txt': 'Items can be returned within thirty days if unused and in the original box.',
  }
  const ids: Record<string, string> = {}
  for (const [name, text] of Object.entries(texts)) {
    const f = await client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'assistants' })
    t.match(f, { object: 'file', filename: name, bytes: Buffer.byteLength(text), purpose: 'assistants' })
    ids[name] = f.id
  }
  t.ok((await client.files.list()).data.length >= 3)
  t.equal((await client.files.retrieve(ids['refunds.md']!)).filename, 'refunds.md')

  for (const [name, id] of Object.entries(ids)) {
    const attached = await client.vectorStores.files.createAndPoll(vs.id, { file_id: id, attributes: { kind: name.endsWith('.md') ? 'policy' : 'faq', priority: name.length } }, { pollIntervalMs: 100 })
    t.match(attached, { object: 'vector_store.file', id, vector_store_id: vs.id, status: 'completed', last_error: null }, name)
  }
  const broken = await client.files.create({ file: await toFile(Buffer.from('%PDF-1.7 nothing else'), 'broken.pdf'), purpose: 'assistants' })
  const failed = await client.vectorStores.files.createAndPoll(vs.id, { file_id: broken.id }, { pollIntervalMs: 100 })
  t.equal(failed.status, 'failed')
  t.match(failed.last_error, { code: 'invalid_file', message: /PDF/ })
  t.equal(await statusOf(client.vectorStores.files.create(vs.id, { file_id: 'file-doesnotexist' })), 404)

  const got = await client.vectorStores.retrieve(vs.id)
  t.match(got.file_counts, { completed: 3, failed: 1, in_progress: 0, total: 4 })
  t.ok((await client.vectorStores.list()).data.some((v) => v.id === vs.id))
  t.equal((await client.vectorStores.files.list(vs.id)).data.length, 4)

  const page = await client.vectorStores.search(vs.id, { query: 'how long until my refund arrives', max_num_results: 2 })
  const results = page.data
  t.equal(results[0]?.file_id, ids['refunds.md'])
  t.equal(results[0]?.filename, 'Refunds')
  t.match(results[0]?.content[0], { type: 'text', text: /five business days/ })
  t.match(results[0]?.attributes, { kind: 'policy' })
  const faq = (await client.vectorStores.search(vs.id, { query: 'returned refund shipping', filters: { type: 'eq', key: 'kind', value: 'faq' } })).data
  t.same(faq.map((r) => r.file_id), [ids['returns.txt']], 'filters restrict to matching attributes')
  const compound = (await client.vectorStores.search(vs.id, { query: 'refund shipping returned', filters: { type: 'and', filters: [{ type: 'eq', key: 'kind', value: 'policy' }, { type: 'gt', key: 'priority', value: 10 }] } })).data
  t.same(compound.map((r) => r.file_id), [ids['shipping.md']], 'compound filter (shipping.md is the longer policy name)')
  const strict = (await client.vectorStores.search(vs.id, { query: 'refund', ranking_options: { score_threshold: 100 } })).data
  t.same(strict, [], 'a threshold above any fused score (z-scores of at most 200 hits each) leaves nothing')

  const detached = await client.vectorStores.files.delete(ids['refunds.md']!, { vector_store_id: vs.id })
  t.match(detached, { deleted: true })
  t.notOk((await client.vectorStores.search(vs.id, { query: 'refund card business days' })).data.some((r) => r.file_id === ids['refunds.md']), 'detached files are no longer found')
  t.match(await admin.vectorStores.delete(vs.id), { id: vs.id, deleted: true })
  t.equal(await statusOf(client.vectorStores.retrieve(vs.id)), 404)
  t.match(await client.files.delete(ids['returns.txt']!), { deleted: true })
})
