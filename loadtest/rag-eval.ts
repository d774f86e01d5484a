/**
 * `npm run rag:eval -- <beir-dir> [--concurrency 8] [--dimension 512] [--limit N] [--no-reindex] [--json]`
 *
 * Retrieval quality through the real pipeline: builds a complete embedded Dyad (PGlite + pgvector
 * in a temporary directory, or the Postgres of DYAD_SQL_URL when set), uploads every corpus
 * passage over HTTP, waits for the ingestion jobs, then runs every query in keyword, vector and
 * hybrid mode through the search endpoint (after a reindex, which learns the offline embedder's
 * corpus model from the uploaded text, unless --no-reindex). Beside them, a plain BM25 over the same texts computed in
 * the same run. Reports the standard BEIR metrics (nDCG@10, recall@10, MRR@10 over judged queries),
 * ingestion throughput and query latency. Documents are ranked by their best chunk.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config/load.ts'
import { loadBeir } from '../plugins/rag/eval/beir.ts'
import { Bm25Index } from '../plugins/rag/eval/bm25.ts'
import { evaluate, type Metrics, type Run } from '../plugins/rag/eval/metrics.ts'
import { median, percentile } from './stats.ts'

const ADMIN_KEY = `dyad_evaladmin00000001_${'E'.repeat(43)}`
const DEPTH = 100

function bar(label: string, done: number, total: number, started: number) {
  if (!process.stderr.isTTY && done !== total && done % Math.max(1, Math.floor(total / 20)) !== 0) return
  const width = 30
  const filled = Math.round((done / Math.max(1, total)) * width)
  const rate = done / Math.max(0.001, (Date.now() - started) / 1000)
  const line = `${label.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${rate.toFixed(1)}/s`
  process.stderr.write(process.stderr.isTTY ? `\r${line}${done === total ? '\n' : ''}` : `${line}\n`)
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i]!, i)
    }
  }))
}

export async function ragEval(dir: string, opts: { concurrency: number; dimension: number; limit?: number; reindex: boolean }) {
  const data = await loadBeir(dir)
  const corpus = opts.limit ? data.corpus.slice(0, opts.limit) : data.corpus
  const dataDir = mkdtempSync(join(tmpdir(), 'dyad-rag-eval-'))
  const config = loadConfig({ ...process.env, DYAD_DATA_DIR: dataDir, DYAD_LOG_LEVEL: 'silent', DYAD_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY, DYAD_RATE_LIMIT_PER_MINUTE: '0', DYAD_RAG_AUTO_REINDEX_DOCUMENTS: '0' })
  const { app } = await buildApp({ config, logger: false })
  const headers = { authorization: `Bearer ${ADMIN_KEY}` }
  const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await app.inject({ method, url, headers, payload })
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    return res.json()
  }
  try {
    await call('POST', '/v1/projects', { id: 'eval', name: 'eval' })
    await call('POST', '/v1/projects/eval/rag/kbs', { id: 'beir', embedding: { dimension: opts.dimension } })
    const kb = '/v1/projects/eval/rag/kbs/beir'

    const started = Date.now()
    const jobs: string[] = []
    await pool(corpus, opts.concurrency, async (d, i) => {
      const text = d.title ? `${d.title}\n\n${d.text}` : d.text
      const res = await call('POST', `${kb}/documents`, { id: `d${i}`, text, title: d.title || undefined, format: 'text', metadata: { beirId: d.id }, access: { public: true } })
      if (res.job) jobs.push(res.job.id)
      bar('upload', i + 1, corpus.length, started)
    })
    let done = 0
    const waitStarted = Date.now()
    await pool(jobs, opts.concurrency, async (id) => {
      for (;;) {
        const job = await call('GET', `/v1/projects/eval/rag/jobs/${id}`)
        if (job.state === 'failed' || job.state === 'cancelled') throw new Error(`job ${id} ${job.state}: ${JSON.stringify(job.error)}`)
        if (job.state === 'succeeded') break
        await new Promise((r) => setTimeout(r, 50))
      }
      bar('index', ++done, jobs.length, waitStarted)
    })
    const ingestSeconds = (Date.now() - started) / 1000
    // The offline embedder's corpus model is learned from the base's own text by one reindex after
    // ingestion (automatic reindexing is off here, so ingestion throughput is ingestion's alone).
    let reindexSeconds = 0
    if (opts.reindex) {
      const r0 = Date.now()
      const job = await call('POST', `${kb}/reindex`)
      for (let last = -1; ; ) {
        const j = await call('GET', `/v1/projects/eval/rag/jobs/${job.id}`)
        if (j.state === 'failed' || j.state === 'cancelled') throw new Error(`reindex ${j.state}: ${JSON.stringify(j.error)}`)
        if (j.state === 'succeeded') break
        if (j.progress.percent !== last) bar('reindex', (last = j.progress.percent), 100, r0)
        await new Promise((r) => setTimeout(r, 200))
      }
      bar('reindex', 100, 100, r0)
      reindexSeconds = (Date.now() - r0) / 1000
    }

    const idOf = (documentId: string) => corpus[Number(documentId.slice(1))]!.id
    const bm25 = new Bm25Index()
    corpus.forEach((d) => bm25.add(d.id, d.title ? `${d.title}\n${d.text}` : d.text))
    const runs: Record<string, Run> = { bm25: new Map(), keyword: new Map(), vector: new Map(), hybrid: new Map(), 'hybrid-rrf': new Map() }
    const latency: Record<string, number[]> = { keyword: [], vector: [], hybrid: [], 'hybrid-rrf': [] }
    for (const q of data.queries) runs.bm25!.set(q.id, bm25.search(q.text, DEPTH).map((s) => s.id))
    const qStarted = Date.now()
    let qDone = 0
    for (const run of ['keyword', 'vector', 'hybrid', 'hybrid-rrf'] as const) {
      const search = run === 'hybrid-rrf' ? { mode: 'hybrid', fusion: 'rrf' } : { mode: run }
      for (const q of data.queries) {
        const t0 = performance.now()
        const { hits } = await call('POST', `${kb}/search`, { query: q.text.slice(0, 4000), ...search, k: DEPTH })
        latency[run]!.push(performance.now() - t0)
        const ranked: string[] = []
        for (const h of hits as { documentId: string }[]) {
          const id = idOf(h.documentId)
          if (!ranked.includes(id)) ranked.push(id)
        }
        runs[run]!.set(q.id, ranked)
        bar('query', ++qDone, data.queries.length * 4, qStarted)
      }
    }
    const metrics = Object.fromEntries(Object.entries(runs).map(([k, run]) => [k, evaluate(run, data.qrels)])) as Record<string, Metrics>
    return {
      documents: corpus.length,
      queries: data.queries.length,
      ingest: { seconds: ingestSeconds, documentsPerSecond: corpus.length / ingestSeconds, reindexSeconds },
      latencyMs: Object.fromEntries(Object.entries(latency).map(([k, xs]) => [k, { p50: median(xs), p99: percentile([...xs].sort((a, b) => a - b), 99) }])),
      metrics,
    }
  } finally {
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { concurrency: { type: 'string', default: '8' }, dimension: { type: 'string', default: '512' }, limit: { type: 'string' }, json: { type: 'boolean', default: false }, 'no-reindex': { type: 'boolean', default: false } },
  })
  const dir = positionals[0]
  if (!dir) {
    console.error('usage: npm run rag:eval -- <beir-dir> [--concurrency 8] [--dimension 512] [--limit N] [--no-reindex] [--json]')
    process.exit(2)
  }
  const r = await ragEval(dir, { concurrency: Number(values.concurrency), dimension: Number(values.dimension), limit: values.limit ? Number(values.limit) : undefined, reindex: !values['no-reindex'] })
  if (values.json) console.log(JSON.stringify(r, null, 2))
  else {
    console.log(`${r.documents} documents, ${r.queries} queries; ingestion ${r.ingest.seconds.toFixed(1)} s (${r.ingest.documentsPerSecond.toFixed(1)} docs/s), reindex ${r.ingest.reindexSeconds.toFixed(1)} s`)
    console.log('mode      nDCG@10  recall@10  MRR@10   p50 ms  p99 ms   (hybrid: z-score fusion, the default; hybrid-rrf: RRF k=60)')
    for (const [mode, m] of Object.entries(r.metrics)) {
      const l = (r.latencyMs as Record<string, { p50: number; p99: number }>)[mode]
      console.log(`${mode.padEnd(9)} ${m.ndcgAt10.toFixed(4)}   ${m.recallAt10.toFixed(4)}     ${m.mrrAt10.toFixed(4)}   ${l ? l.p50.toFixed(1).padStart(6) : '     -'}  ${l ? l.p99.toFixed(1).padStart(6) : '     -'}`)
    }
    console.log(`(${r.metrics.bm25!.queries} judged queries; bm25 is a plain in-memory BM25 over the same texts, computed in this run)`)
  }
}
