/**
 * pgvector through the retrieval store on Postgres 15: HNSW recall@10 against exact search, and
 * queries per second, for N vectors of 1,536 dimensions (100,000; --quick 5,000), unfiltered, with a
 * selective metadata filter (1 % of documents), a broad one (10 %) and an access condition (5 %
 * readable).
 *
 * Per-knowledge-base isolation: the 1 % of vectors the selective filter matches are also loaded as a
 * knowledge base of their own ("small KB"), measured alone before the big one exists and again
 * beside it in the same table, with the same queries and the same exact answer as the filter case.
 *
 * Options for iterating (environment, since the runner's only option is --quick):
 * DYAD_BENCH_RAG_N (vectors), DYAD_BENCH_RAG_QUERIES, DYAD_BENCH_RAG_TUNING (JSON, the store's
 * SearchTuning, e.g. {"exactMax":0} for the index path only).
 *
 * The vectors are clustered (unit vectors around 200 random centres, as real embeddings are), not
 * uniform noise, on which no approximate index is meaningful. Exact top-10 is brute force in this
 * process over the same vectors and the same predicate.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { AccessCondition } from '../src/contracts/filter.ts'
import type { MetadataFilter } from '../src/infra/ports/retrieval.ts'
import { createSqlRetrievalStore } from '../src/infra/retrieval/sql-store.ts'
import type { SearchTuning } from '../src/infra/retrieval/search-sql.ts'
import { createPgDatabase } from '../src/infra/sql/pg.ts'
import { migrate } from '../src/infra/sql/migrate.ts'
import type { BenchOptions, Scenario, ScenarioResult } from './scenario.ts'

const DIM = 1536
const CENTRES = 200
const K = 10
const SERVERS_SH = fileURLToPath(new URL('../deploy/test/servers.sh', import.meta.url))

function rng(seed: number) {
  let s = seed >>> 0
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32)
}
function gaussian(r: () => number) {
  return Math.sqrt(-2 * Math.log(r() || 1e-12)) * Math.cos(2 * Math.PI * r())
}
function normalize(v: Float32Array) {
  let n = 0
  for (const x of v) n += x * x
  n = Math.sqrt(n) || 1
  for (let i = 0; i < v.length; i++) v[i]! /= n
  return v
}
function dot(a: Float32Array, b: Float32Array) {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}

async function postgresUrl(): Promise<{ url: string; cleanup(): Promise<void> }> {
  let admin = process.env.DYAD_TEST_POSTGRES_URL
  let stop = () => {}
  if (!admin) {
    const dir = mkdtempSync(join(tmpdir(), 'dyad-bench-pg-'))
    if (spawnSync('bash', [SERVERS_SH, 'start', dir], { stdio: ['ignore', 'ignore', 'inherit'] }).status !== 0) throw new Error('deploy/test/servers.sh start failed')
    admin = /DYAD_TEST_POSTGRES_URL=(\S+)/.exec(readFileSync(join(dir, 'env'), 'utf8'))![1]!.replace(/^'(.*)'$/, '$1')
    stop = () => void spawnSync('bash', [SERVERS_SH, 'stop', dir], { stdio: 'ignore' })
  }
  const name = `dyad_bench_vectors_${process.pid}`
  const c = new pg.Client({ connectionString: admin })
  await c.connect()
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await c.query(`CREATE DATABASE ${name}`)
  await c.end()
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async cleanup() {
      const d = new pg.Client({ connectionString: admin })
      await d.connect()
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await d.end()
      stop()
    },
  }
}

export const ragVectors: Scenario = {
  name: 'rag-vectors',
  description: 'pgvector HNSW recall@10 vs exact and QPS, 1,536 dims, filters, an access condition, and a small KB beside a big one (Postgres 15)',
  async run(opts: BenchOptions): Promise<ScenarioResult> {
    const envInt = (name: string) => (process.env[name] ? Number.parseInt(process.env[name]!, 10) : undefined)
    const n = envInt('DYAD_BENCH_RAG_N') ?? (opts.quick ? 5_000 : 100_000)
    const queries = envInt('DYAD_BENCH_RAG_QUERIES') ?? (opts.quick ? 30 : 100)
    const tuning = process.env.DYAD_BENCH_RAG_TUNING ? (JSON.parse(process.env.DYAD_BENCH_RAG_TUNING) as Partial<SearchTuning>) : undefined
    const r = rng(42)
    const centres = Array.from({ length: CENTRES }, () => normalize(Float32Array.from({ length: DIM }, () => gaussian(r))))
    const sample = () => {
      const c = centres[Math.floor(r() * CENTRES)]!
      return normalize(Float32Array.from(c, (x) => x + 0.04 * gaussian(r)))
    }
    const vectors = Array.from({ length: n }, sample)
    const tag = Array.from({ length: n }, (_, i) => (i % 100 === 7 ? 'rare' : 'common'))
    const tenth = Array.from({ length: n }, (_, i) => i % 10 === 3)
    const reader = Array.from({ length: n }, (_, i) => i % 20 === 3)
    const rare = vectors.map((_, i) => i).filter((i) => tag[i] === 'rare')

    const pgUrl = await postgresUrl()
    const sql = createPgDatabase({ url: pgUrl.url, poolSize: 8 })
    try {
      await migrate(sql)
      let scans = { lists: 0, exact: 0 }
      const store = createSqlRetrievalStore({ sql, tuning, onVectorScan: (s) => void (scans.lists++, s.exact && scans.exact++) })
      const now = new Date().toISOString()
      const load = async (kbId: string, items: number[]) => {
        await store.ensureKnowledgeBase('bench', kbId, DIM)
        const t0 = performance.now()
        let next = 0
        await Promise.all(Array.from({ length: 6 }, async () => {
          while (next < items.length) {
            const i = items[next++]!
            const id = `d${i}`
            await store.upsertDocument('bench', { kbId, id, contentHash: `h${i}`, metadata: { tag: tag[i]!, tenth: tenth[i]! }, access: reader[i] ? { users: ['reader'] } : {}, text: `doc ${i}`, status: 'ready', createdAt: now, updatedAt: now })
            await store.putChunks('bench', kbId, id, 1, [{ index: 0, text: `doc ${i}`, start: 0, end: `doc ${i}`.length, headingPath: [], tokens: 2, embedding: vectors[i]! }])
          }
        }))
        return (performance.now() - t0) / 1000
      }

      type Case = { name: string; kbId: string; filter?: MetadataFilter; access: AccessCondition; allowed: (i: number) => boolean }
      const qs = Array.from({ length: queries }, sample)
      const rows: Array<Record<string, string>> = []
      const data: Record<string, unknown> = { n, dimension: DIM, queries, tuning: tuning ?? 'defaults' }
      const measure = async (c: Case) => {
        scans = { lists: 0, exact: 0 }
        let recall = 0
        const lat: number[] = []
        for (const q of qs) {
          const exact = vectors.map((v, i) => (c.allowed(i) ? { i, s: dot(q, v) } : undefined)).filter((x) => x !== undefined)
          exact.sort((a, b) => b.s - a.s)
          const truth = new Set(exact.slice(0, K).map((x) => `d${x.i}`))
          const s0 = performance.now()
          const hits = await store.search({ projectId: 'bench', kbId: c.kbId, mode: 'vector', embedding: q, k: K, filter: c.filter, access: c.access })
          lat.push(performance.now() - s0)
          recall += hits.filter((h) => truth.has(h.documentId)).length / Math.max(1, truth.size)
        }
        const exactShare = scans.exact / Math.max(1, scans.lists)
        // Throughput at 4 concurrent queries (the pool has 8 connections).
        const t1 = performance.now()
        let done = 0
        await Promise.all(Array.from({ length: 4 }, async (_, w) => {
          for (let j = w; j < qs.length; j += 4) {
            await store.search({ projectId: 'bench', kbId: c.kbId, mode: 'vector', embedding: qs[j]!, k: K, filter: c.filter, access: c.access })
            done++
          }
        }))
        const qps = done / ((performance.now() - t1) / 1000)
        lat.sort((a, b) => a - b)
        const row = {
          case: c.name,
          'recall@10': (recall / qs.length).toFixed(3),
          qps: qps.toFixed(0),
          'p50 ms': lat[Math.floor(lat.length / 2)]!.toFixed(1),
          'p99 ms': lat[Math.floor(lat.length * 0.99)]!.toFixed(1),
          'exact pass': `${(100 * exactShare).toFixed(0)} %`,
        }
        rows.push(row)
        data[c.name] = row
      }

      const ALL: AccessCondition = { op: 'true' }
      const isRare = (i: number) => tag[i] === 'rare'
      const smallLoad = await load('small', rare)
      await measure({ name: `small KB (${rare.length.toLocaleString('en')}), alone in the table`, kbId: 'small', access: ALL, allowed: isRare })
      const loadSeconds = await load('kb', vectors.map((_, i) => i))
      data.loadSeconds = loadSeconds
      data.smallLoadSeconds = smallLoad
      const cases: Case[] = [
        { name: 'unfiltered', kbId: 'kb', access: ALL, allowed: () => true },
        { name: 'filter 1 %', kbId: 'kb', filter: { type: 'eq', key: 'tag', value: 'rare' }, access: ALL, allowed: isRare },
        { name: 'filter 10 %', kbId: 'kb', filter: { type: 'eq', key: 'tenth', value: true }, access: ALL, allowed: (i) => tenth[i]! },
        { name: 'access 5 %', kbId: 'kb', access: { op: 'contains', field: { path: ['access', 'users'] }, value: 'reader' }, allowed: (i) => reader[i]! },
        { name: `small KB (${rare.length.toLocaleString('en')}), beside the ${n.toLocaleString('en')}`, kbId: 'small', access: ALL, allowed: isRare },
      ]
      for (const c of cases) await measure(c)
      return {
        tables: [{ title: `pgvector HNSW, ${n.toLocaleString('en')} × ${DIM} (loaded in ${loadSeconds.toFixed(0)} s)`, columns: ['case', 'recall@10', 'qps', 'p50 ms', 'p99 ms', 'exact pass'], rows }],
        summary: rows.map((x) => `rag-vectors ${x.case}: recall@10 ${x['recall@10']} at ${x.qps} q/s`),
        notes: [
          'Recall is against brute-force exact top-10 over the same vectors and predicate. "exact pass": share of queries the store ranked exactly (a filter matching at most exactMax chunks, or an index pass short of k) instead of from the HNSW graph.',
          'The small KB holds the same vectors the 1 % filter matches, so its two rows and "filter 1 %" share queries and exact answers.',
        ],
        data,
      }
    } finally {
      await sql.close()
      await pgUrl.cleanup()
    }
  },
}
