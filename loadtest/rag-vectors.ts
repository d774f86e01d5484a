/**
 * pgvector through the retrieval store on Postgres 15: HNSW recall@10 against exact search, and
 * queries per second, for N vectors of 1,536 dimensions (100,000; --quick 5,000), unfiltered, with a
 * selective metadata filter (1 % of documents) and with an access condition (5 % readable).
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
  description: 'pgvector HNSW recall@10 vs exact and QPS, 1,536 dims, with a selective filter and an access condition (Postgres 15)',
  async run(opts: BenchOptions): Promise<ScenarioResult> {
    const n = opts.quick ? 5_000 : 100_000
    const queries = opts.quick ? 30 : 100
    const r = rng(42)
    const centres = Array.from({ length: CENTRES }, () => normalize(Float32Array.from({ length: DIM }, () => gaussian(r))))
    const sample = () => {
      const c = centres[Math.floor(r() * CENTRES)]!
      return normalize(Float32Array.from(c, (x) => x + 0.04 * gaussian(r)))
    }
    const vectors = Array.from({ length: n }, sample)
    const tag = Array.from({ length: n }, (_, i) => (i % 100 === 7 ? 'rare' : 'common'))
    const reader = Array.from({ length: n }, (_, i) => i % 20 === 3)

    const pgUrl = await postgresUrl()
    const sql = createPgDatabase({ url: pgUrl.url, poolSize: 8 })
    try {
      await migrate(sql)
      const store = createSqlRetrievalStore({ sql })
      await store.ensureKnowledgeBase('bench', 'kb', DIM)
      const t0 = performance.now()
      const now = new Date().toISOString()
      let next = 0
      await Promise.all(Array.from({ length: 6 }, async () => {
        while (next < n) {
          const i = next++
          const id = `d${i}`
          await store.upsertDocument('bench', { kbId: 'kb', id, contentHash: `h${i}`, metadata: { tag: tag[i]! }, access: reader[i] ? { users: ['reader'] } : {}, text: `doc ${i}`, status: 'ready', createdAt: now, updatedAt: now })
          await store.putChunks('bench', 'kb', id, 1, [{ index: 0, text: `doc ${i}`, start: 0, end: `doc ${i}`.length, headingPath: [], tokens: 2, embedding: vectors[i]! }])
        }
      }))
      const loadSeconds = (performance.now() - t0) / 1000

      const cases: Array<{ name: string; filter?: MetadataFilter; access: AccessCondition; allowed: (i: number) => boolean }> = [
        { name: 'unfiltered', access: { op: 'true' }, allowed: () => true },
        { name: 'filter 1 %', filter: { type: 'eq', key: 'tag', value: 'rare' }, access: { op: 'true' }, allowed: (i) => tag[i] === 'rare' },
        { name: 'access 5 %', access: { op: 'contains', field: { path: ['access', 'users'] }, value: 'reader' }, allowed: (i) => reader[i]! },
      ]
      const qs = Array.from({ length: queries }, sample)
      const rows: Array<Record<string, string>> = []
      const data: Record<string, unknown> = { n, dimension: DIM, loadSeconds }
      for (const c of cases) {
        let recall = 0
        const lat: number[] = []
        for (const q of qs) {
          const exact = vectors.map((v, i) => (c.allowed(i) ? { i, s: dot(q, v) } : undefined)).filter((x) => x !== undefined)
          exact.sort((a, b) => b.s - a.s)
          const truth = new Set(exact.slice(0, K).map((x) => `d${x.i}`))
          const s0 = performance.now()
          const hits = await store.search({ projectId: 'bench', kbId: 'kb', mode: 'vector', embedding: q, k: K, filter: c.filter, access: c.access })
          lat.push(performance.now() - s0)
          recall += hits.filter((h) => truth.has(h.documentId)).length / Math.max(1, truth.size)
        }
        // Throughput at 4 concurrent queries (the pool has 8 connections).
        const t1 = performance.now()
        let done = 0
        await Promise.all(Array.from({ length: 4 }, async (_, w) => {
          for (let j = w; j < qs.length; j += 4) {
            await store.search({ projectId: 'bench', kbId: 'kb', mode: 'vector', embedding: qs[j]!, k: K, filter: c.filter, access: c.access })
            done++
          }
        }))
        const qps = done / ((performance.now() - t1) / 1000)
        lat.sort((a, b) => a - b)
        const row = { case: c.name, 'recall@10': (recall / qs.length).toFixed(3), qps: qps.toFixed(0), 'p50 ms': lat[Math.floor(lat.length / 2)]!.toFixed(1), 'p99 ms': lat[Math.floor(lat.length * 0.99)]!.toFixed(1) }
        rows.push(row)
        data[c.name] = row
      }
      return {
        tables: [{ title: `pgvector HNSW, ${n.toLocaleString('en')} × ${DIM} (loaded in ${loadSeconds.toFixed(0)} s)`, columns: ['case', 'recall@10', 'qps', 'p50 ms', 'p99 ms'], rows }],
        summary: rows.map((x) => `rag-vectors ${x.case}: recall@10 ${x['recall@10']} at ${x.qps} q/s`),
        notes: ['Recall is against brute-force exact top-10 over the same vectors and predicate; filtered cases rely on pgvector 0.8 iterative index scans.'],
        data,
      }
    } finally {
      await sql.close()
      await pgUrl.cleanup()
    }
  },
}
