/**
 * Scenarios http-embedded and http-postgres: over real HTTP, on a complete Dyad app in one profile,
 * an authenticated and authorized GET (/v1/whoami) and an OPA decision
 * (POST /v1/projects/<id>/opa/v1/data/app/rbac/allow), each against a bare Fastify route of the same
 * method returning constant JSON, in the same child process, through the same client, in rounds
 * taken in turn (A, B, C, D, A, B, ...) so that drift in a noisy machine's load lands on every side.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { load, send, type LoadResult, type Target } from './http-client.ts'
import type { ServersReady } from './http-servers.ts'
import { RBAC_DATA, RBAC_POLICY } from './rego-rbac.ts'
import { scale, type Scenario } from './scenario.ts'
import { fmtNs, fmtRate, fmtRatio, median, summarize } from './stats.ts'

const SERVERS = fileURLToPath(new URL('./http-servers.ts', import.meta.url))
const PROJECT = 'bench'
const CONCURRENCY = 10
const START_TIMEOUT_MS = 180000
const INPUT = JSON.stringify({ input: { user: 'bob', action: 'update', type: 'finance', object: 'id123' } })

const SERVERS_SH = fileURLToPath(new URL('../deploy/test/servers.sh', import.meta.url))

/**
 * The Postgres and etcd the postgres profile runs on: the test suite's servers when their addresses
 * are in the environment, otherwise throwaway ones started here with deploy/test/servers.sh (which
 * needs deploy/test/install-deps.sh to have run) and stopped afterwards.
 */
function productionServers(): { env: Record<string, string>; stop(): void } {
  if (process.env.DYAD_TEST_POSTGRES_URL && process.env.DYAD_TEST_ETCD_ENDPOINTS) return { env: {}, stop() {} }
  const dir = mkdtempSync(join(tmpdir(), 'dyad-bench-servers-'))
  const started = spawnSync('bash', [SERVERS_SH, 'start', dir], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (started.status !== 0) throw new Error('deploy/test/servers.sh start failed (run deploy/test/install-deps.sh first)')
  const env: Record<string, string> = {}
  for (const m of readFileSync(join(dir, 'env'), 'utf8').matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1')
  return { env, stop: () => void spawnSync('bash', [SERVERS_SH, 'stop', dir], { stdio: 'ignore' }) }
}

function startServers(profile: string, env: Record<string, string>): Promise<{ child: ChildProcess; ready: ServersReady }> {
  // DYAD_BENCH_SERVER_NODE_ARGS adds Node flags to the server child only (e.g. `--cpu-prof` to see
  // where the server's time goes under load).
  const extra = process.env.DYAD_BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []
  const child = fork(SERVERS, [], { execArgv: ['--import', 'tsx', ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env, DYAD_BENCH_PROFILE: profile } })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`servers did not start within ${START_TIMEOUT_MS} ms`))
    }, START_TIMEOUT_MS)
    child.once('message', (m) => {
      clearTimeout(timer)
      resolve({ child, ready: m as ServersReady })
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`servers exited with code ${code} before they were ready`))
    })
  })
}

function stopServers(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 20000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.send('stop')
  })
}

async function must(t: Target, status: number, what: string): Promise<string> {
  const r = await send(t)
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.body.slice(0, 300)}`)
  return r.body
}

/** Project, member, project-scoped key for a project-user, the RBAC policy and its data. Returns the key. */
async function setUp(port: number, adminKey: string): Promise<string> {
  const json = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' })
  const base = `/v1/projects/${PROJECT}`
  await must({ name: 'setup', port, method: 'POST', path: '/v1/projects', headers: json(adminKey), body: JSON.stringify({ id: PROJECT, name: 'Bench' }) }, 201, 'create project')
  await must({ name: 'setup', port, method: 'PUT', path: `${base}/members/alice`, headers: json(adminKey), body: JSON.stringify({ role: 'project-user' }) }, 200, 'add member')
  const created = await must({ name: 'setup', port, method: 'POST', path: `${base}/api-keys`, headers: json(adminKey), body: JSON.stringify({ name: 'bench', subject: 'alice' }) }, 201, 'create key')
  const key = (JSON.parse(created) as { apiKey: string }).apiKey
  await must({ name: 'setup', port, method: 'PUT', path: `${base}/opa/v1/policies/rbac`, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'text/plain' }, body: RBAC_POLICY }, 200, 'upload policy')
  for (const [doc, value] of Object.entries(RBAC_DATA)) {
    await must({ name: 'setup', port, method: 'PUT', path: `${base}/opa/v1/data/${doc}`, headers: json(adminKey), body: JSON.stringify(value) }, 204, `put data ${doc}`)
  }
  return key
}

function httpScenario(profile: 'embedded' | 'postgres'): Scenario {
  const name = `http-${profile}`
  return {
  name,
  description: `${profile} profile over HTTP: authorized GET and OPA decision POST, each vs a bare Fastify route, rounds in rotation`,
  async run(opts) {
    const servers = profile === 'postgres' ? productionServers() : { env: {}, stop() {} }
    let started: { child: ChildProcess; ready: ServersReady } | undefined
    try {
      started = await startServers(profile, servers.env)
      const { ready } = started
      const key = await setUp(ready.dyadPort, ready.adminKey)
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
      const dyad: Target = { name: 'dyad decision', port: ready.dyadPort, method: 'POST', path: `/v1/projects/${PROJECT}/opa/v1/data/app/rbac/allow`, headers, body: INPUT }
      const whoami: Target = { name: 'dyad GET', port: ready.dyadPort, method: 'GET', path: '/v1/whoami', headers: { authorization: headers.authorization } }
      const bare: Target = { name: 'bare POST', port: ready.barePort, method: 'POST', path: '/v1/data/app/rbac/allow', headers, body: INPUT }
      const bareGet: Target = { name: 'bare GET', port: ready.barePort, method: 'GET', path: '/v1/whoami', headers: { authorization: headers.authorization } }
      for (const t of [dyad, bare]) {
        const body = JSON.parse(await must(t, 200, t.name)) as { result?: unknown }
        if (body.result !== true) throw new Error(`${t.name}: expected result true, got ${JSON.stringify(body)}`)
      }
      await must(whoami, 200, whoami.name)
      await must(bareGet, 200, bareGet.name)
      const targets = [dyad, whoami, bare, bareGet]
      const warm = scale(opts, { count: 50000, maxMs: 3000 }, { count: 5000, maxMs: 500 })
      const round = scale(opts, { count: 200000, maxMs: 8000 }, { count: 20000, maxMs: 1500 })
      const passes = opts.quick ? 2 : 3
      for (const t of targets) await load(t, { concurrency: CONCURRENCY, bound: warm, expectStatus: 200 })
      const rounds: LoadResult[] = []
      for (let i = 0; i < passes; i++) {
        for (const t of targets) rounds.push(await load(t, { concurrency: CONCURRENCY, bound: round, expectStatus: 200 }))
      }

      const agg = (name: string) => {
        const rs = rounds.filter((r) => r.target === name)
        const ok = rs.reduce((n, r) => n + r.samplesNs.length, 0)
        const secs = rs.reduce((n, r) => n + r.durationMs, 0) / 1000
        return { rounds: rs.length, requests: rs.reduce((n, r) => n + r.requests, 0), errors: rs.reduce((n, r) => n + r.errors, 0), rps: ok / secs, medianRoundRps: median(rs.map((r) => r.rps)), latencyNs: summarize(rs.flatMap((r) => r.samplesNs)) }
      }
      type Agg = ReturnType<typeof agg>
      const totals = new Map(targets.map((t) => [t.name, agg(t.name)]))
      const a = totals.get(dyad.name)!
      const w = totals.get(whoami.name)!
      const b = totals.get(bare.name)!
      const bg = totals.get(bareGet.name)!
      const perRound = rounds.map((r, i) => ({
        round: String(i + 1),
        target: r.target,
        requests: String(r.requests),
        errors: String(r.errors),
        'req/s': fmtRate(r.rps),
        median: fmtNs(r.latencyNs.median),
        p99: fmtNs(r.latencyNs.p99),
      }))
      const total = (name: string, x: Agg) => ({ target: name, rounds: String(x.rounds), requests: String(x.requests), errors: String(x.errors), 'req/s (all rounds)': fmtRate(x.rps), 'req/s (median round)': fmtRate(x.medianRoundRps), median: fmtNs(x.latencyNs.median), p99: fmtNs(x.latencyNs.p99) })
      const ratio = (label: string, slow: Agg, fast: Agg) => ({
        comparison: label,
        'throughput (fast/slow)': fmtRatio(fast.rps / slow.rps),
        'throughput, median rounds': fmtRatio(fast.medianRoundRps / slow.medianRoundRps),
        'median latency (slow/fast)': fmtRatio(slow.latencyNs.median / fast.latencyNs.median),
        'p99 latency (slow/fast)': fmtRatio(slow.latencyNs.p99 / fast.latencyNs.p99),
      })
      const ratios = {
        getShareOfBare: w.rps / bg.rps,
        decisionShareOfBare: a.rps / b.rps,
        decisionOverBareMedianLatency: a.latencyNs.median / b.latencyNs.median,
        getOverBareMedianLatency: w.latencyNs.median / bg.latencyNs.median,
      }
      const pct = (x: number) => `${(x * 100).toFixed(0)}%`
      return {
        tables: [
          { title: `${name}: rounds in rotation, ${CONCURRENCY} keep-alive connections, ${(round.maxMs / 1000).toFixed(1)} s per round`, columns: ['round', 'target', 'requests', 'errors', 'req/s', 'median', 'p99'], rows: perRound },
          {
            title: `${name}: totals (same client, same server process, same run)`,
            columns: ['target', 'rounds', 'requests', 'errors', 'req/s (all rounds)', 'req/s (median round)', 'median', 'p99'],
            rows: targets.map((t) => total(t.name, totals.get(t.name)!)),
          },
          {
            title: `${name}: ratios (fast/slow throughput; Dyad's share of bare = 1 / that)`,
            columns: ['comparison', 'throughput (fast/slow)', 'throughput, median rounds', 'median latency (slow/fast)', 'p99 latency (slow/fast)'],
            rows: [ratio('dyad GET vs bare GET', w, bg), ratio('dyad decision vs bare POST', a, b), ratio('dyad decision vs dyad GET', a, w)],
          },
        ],
        summary: [
          `${name}: an authorized GET serves ${pct(ratios.getShareOfBare)} of a bare Fastify GET's requests/s (${fmtRate(w.rps)} vs ${fmtRate(bg.rps)}; p99 ${fmtNs(w.latencyNs.p99)} vs ${fmtNs(bg.latencyNs.p99)})`,
          `${name}: an OPA decision serves ${pct(ratios.decisionShareOfBare)} of a bare Fastify POST's requests/s (${fmtRate(a.rps)} vs ${fmtRate(b.rps)}; p99 ${fmtNs(a.latencyNs.p99)} vs ${fmtNs(b.latencyNs.p99)})`,
        ],
        notes: [
          `Profile ${profile}: ${profile === 'embedded' ? 'PGlite in a data directory, embedded key-value store' : 'Postgres 15 (platform store, app data, audit) and etcd (policies), on loopback'}.`,
          'A Dyad decision authenticates the API key (principal directory, from memory), authorizes policy.decide with the shipped Rego authz policy (membership from memory), checks the project exists (from memory), evaluates the project\'s compiled policy and buffers a decision-log entry, which a background batch writes to the app-data store.',
          'dyad GET is GET /v1/whoami through the same gateway: authentication, rate-limit bookkeeping, Rego authorization, metrics; no store read.',
          'The bare routes return constant JSON (the POST parses the same body); same headers, same client, same child process.',
          'Client and server are separate processes sharing 2 cores, so the client competes with the server for CPU for every target alike.',
          'Rate limiting is disabled in the benchmarked app (DYAD_RATE_LIMIT_PER_MINUTE=0); every other default is kept, logger off.',
        ],
        data: { profile, concurrency: CONCURRENCY, roundBound: round, warmBound: warm, totals: Object.fromEntries(totals), ratios, rounds: rounds.map(({ samplesNs: _s, ...r }) => r) },
      }
    } finally {
      if (started) await stopServers(started.child)
      servers.stop()
    }
  },
  }
}

export const httpEmbedded = httpScenario('embedded')
export const httpPostgres = httpScenario('postgres')
