/**
 * Knowledge bases embedded by a model of the project's LLM gateway: the gateway's own offline
 * model (the embedded default, no key), and a hosted OpenAI-compatible model on a local provider,
 * with `dimensions`, the project's usage accounting, and clear errors for a model that cannot serve
 * an index. Changing a base's model (and dimension) re-embeds it in a reindex job while the old
 * index serves, and the switch is seen in where the query vectors come from.
 */
import t from 'tap'
import { bearer } from '../../helpers/app.ts'
import { startLlmUpstream } from '../../helpers/llm-upstream.ts'
import { llmApp } from '../llm/setup.ts'
import { waitJob } from './jobs.ts'

const P = 'acme'
const KBS = `/v1/projects/${P}/rag/kbs`

const DOCS = {
  tides: 'Tides rise and fall twice a day because the moon pulls the ocean.',
  bread: 'Sourdough bread needs a starter, flour, water and a long slow rise.',
  chess: 'In chess the knight moves in an L shape and can jump over pieces.',
}

t.test('gateway embedding models: offline default, hosted with dimensions, errors, model change', async (t) => {
  const up = await startLlmUpstream()
  t.teardown(() => up.close())
  const env = await llmApp(t)
  const { app, keys } = env
  const alice = bearer(keys.alice!)
  const bob = bearer(keys.bob!)

  async function fill(kb: string) {
    for (const [id, text] of Object.entries(DOCS)) {
      const res = await app.inject({ method: 'POST', url: `${KBS}/${kb}/documents`, headers: alice, payload: { id, text, access: { public: true } } })
      t.equal(res.statusCode, 202, res.body)
      const job = await waitJob(app, alice, P, res.json().job.id)
      t.equal(job.state, 'succeeded', `${kb}/${id}: ${JSON.stringify(job.error)}`)
    }
  }
  const top = async (kb: string, query: string) => {
    const res = await app.inject({ method: 'POST', url: `${KBS}/${kb}/search`, headers: bob, payload: { query, mode: 'vector', k: 3 } })
    t.equal(res.statusCode, 200, res.body)
    return res.json().hits[0]?.documentId as string | undefined
  }
  const embeddingCalls = () => up.requests.filter((r) => r.path.endsWith('/embeddings'))

  // The gateway's built-in offline embedding model, before the project configures anything.
  const local = await app.inject({ method: 'POST', url: KBS, headers: alice, payload: { id: 'local', embedding: { provider: 'gateway' } } })
  t.equal(local.statusCode, 201, local.body)
  t.match(local.json().embedding, { provider: 'gateway', model: 'default-embed', dimension: 256 }, "the model's own dimension, asked once")
  await fill('local')
  t.equal(await top('local', 'why does the ocean have tides'), 'tides')

  await env.configure({
    providers: { oai: { type: 'openai', baseUrl: up.openaiUrl } },
    models: {
      emb: { kind: 'embedding', targets: [{ provider: 'oai', model: 'text-embedding-3-small', price: { input: 1, output: 0 } }] },
      gpt: { targets: [{ provider: 'oai', model: 'gpt-4o-mini' }] },
    },
  })
  await env.setKey('oai', 'sk-test-embeddings')

  // Models that cannot serve an index: clear 4xx, and no knowledge base is left behind.
  const cases: Array<[object, number, string]> = [
    [{ provider: 'gateway', model: 'nope' }, 404, 'LLM_MODEL_NOT_FOUND'],
    [{ provider: 'gateway', model: 'gpt' }, 400, 'LLM_WRONG_MODEL_KIND'],
    // The local provider answers with 8 dimensions unless asked: below an index's minimum.
    [{ provider: 'gateway', model: 'emb' }, 422, 'RAG_EMBEDDING_INVALID'],
    [{ provider: 'offline', model: 'emb' }, 400, 'RAG_INVALID_EMBEDDER'],
  ]
  for (const [embedding, status, code] of cases) {
    const res = await app.inject({ method: 'POST', url: KBS, headers: alice, payload: { id: 'bad', embedding } })
    t.equal(res.statusCode, status, `${JSON.stringify(embedding)}: ${res.body}`)
    t.equal(res.json().code, code)
  }
  t.equal((await app.inject({ method: 'GET', url: `${KBS}/bad`, headers: alice })).statusCode, 404, 'nothing created')

  // A hosted model asked for 64 dimensions: every call carries them, chunks and queries go through it.
  const hosted = await app.inject({ method: 'POST', url: KBS, headers: alice, payload: { id: 'hosted', embedding: { provider: 'gateway', model: 'emb', dimension: 64 } } })
  t.equal(hosted.statusCode, 201, hosted.body)
  t.match(hosted.json().embedding, { provider: 'gateway', model: 'emb', dimension: 64, sendDimensions: true })
  const before = embeddingCalls().length
  await fill('hosted')
  const ingestCalls = embeddingCalls().slice(before)
  t.ok(ingestCalls.length >= 3, 'each document embedded by the provider')
  t.ok(ingestCalls.every((r) => r.body.model === 'text-embedding-3-small' && r.body.dimensions === 64), 'the target model, with dimensions')
  t.ok(Object.values(DOCS).every((text) => ingestCalls.some((r) => (r.body.input as string[]).some((s) => s.includes(text)))), 'the chunk texts are what is embedded')
  t.equal(ingestCalls[0]!.headers.authorization, 'Bearer sk-test-embeddings', "the project's provider key")
  t.equal(await top('hosted', 'sourdough bread starter flour'), 'bread')
  t.same(embeddingCalls().at(-1)!.body.input, ['sourdough bread starter flour'], 'the query vector comes from the model too')
  const usage = (await env.usage('model')).find((r) => r.group === 'text-embedding-3-small')
  t.match(usage, { requests: embeddingCalls().length, inputTokens: Number }, 'every provider call (probes, chunks, queries) is in the project usage like any gateway call')
  t.ok(usage!.inputTokens > 0)

  // Model change: offline (64 dimensions) → hosted at 32 re-embeds in a job into a version with its
  // own dimension and graph; the old index serves meanwhile.
  t.equal((await app.inject({ method: 'POST', url: KBS, headers: alice, payload: { id: 'moving', embedding: { dimension: 64 } } })).statusCode, 201)
  await fill('moving')
  t.equal(await top('moving', 'knight moves in chess'), 'chess', 'offline index')
  t.equal((await app.inject({ method: 'PATCH', url: `${KBS}/moving`, headers: bob, payload: { name: 'x' } })).statusCode, 403, 'a project user cannot change a base')
  const change = await app.inject({ method: 'PATCH', url: `${KBS}/moving`, headers: alice, payload: { name: 'Moving', embedding: { provider: 'gateway', model: 'emb', dimension: 32 } } })
  t.equal(change.statusCode, 202, change.body)
  const { knowledgeBase, job } = change.json()
  t.match(knowledgeBase, { name: 'Moving', indexVersion: 1, embedding: { provider: 'offline' }, pending: { version: 2, jobId: job.id, embedding: { provider: 'gateway', model: 'emb', dimension: 32 } } })
  const again = await app.inject({ method: 'PATCH', url: `${KBS}/moving`, headers: alice, payload: { embedding: { provider: 'gateway', model: 'emb', dimension: 32 } } })
  t.equal(again.statusCode, 409, 'one reindex at a time')
  t.equal(again.json().code, 'RAG_REINDEX_IN_PROGRESS')
  const callsBefore = embeddingCalls().length
  t.equal(await top('moving', 'knight moves in chess'), 'chess', 'searches still answer while the job runs')
  const done = await waitJob(app, alice, P, job.id)
  t.equal(done.state, 'succeeded', JSON.stringify(done.error))
  const kb = (await app.inject({ method: 'GET', url: `${KBS}/moving`, headers: alice })).json()
  t.match(kb, { indexVersion: 2, embedding: { provider: 'gateway', model: 'emb', dimension: 32 } })
  t.notOk(kb.pending)
  t.ok(embeddingCalls().slice(callsBefore).some((r) => r.body.dimensions === 32), 'the chunks were re-embedded by the new model, at the new dimension')
  const n = embeddingCalls().length
  t.equal(await top('moving', 'knight moves in chess'), 'chess', 'the new index answers')
  t.same(embeddingCalls().slice(n).map((r) => r.body.input), [['knight moves in chess']], 'with query vectors from the new model')
  const same = await app.inject({ method: 'PATCH', url: `${KBS}/moving`, headers: alice, payload: { embedding: { provider: 'gateway', model: 'emb', dimension: 32 } } })
  t.equal(same.statusCode, 200, 'the same model again: nothing to do')
  t.notOk(same.json().job)

  // A provider outage during ingestion: the job is retried, not failed.
  up.faults.push({ status: 503 })
  const retried = await app.inject({ method: 'POST', url: `${KBS}/hosted/documents`, headers: alice, payload: { id: 'late', text: 'Volcanoes erupt when magma rises.', access: { public: true } } })
  const late = await waitJob(app, alice, P, retried.json().job.id)
  t.equal(late.state, 'succeeded', JSON.stringify(late.error))
  t.ok(late.attempts >= 2, 'a second attempt after the 503')
})
