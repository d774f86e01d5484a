/**
 * Scenario http-decision: decisions over real HTTP (POST /v1/projects/<id>/opa/v1/data/app/rbac/allow
 * on a complete Dyad app) against a bare Fastify route returning constant JSON, in the same child
 * process, through the same client, in rounds taken in turn (A, B, C, A, B, C, ...) so that drift in a
 * noisy machine's load lands on every side. A third target, an authenticated GET, splits the
 * gateway's cost from the policy and decision-log cost.
 */
import { fork, type ChildProcess } from 'node:child_process'
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

function startServers(): Promise<{ child: ChildProcess; ready: ServersReady }> {
  const child = fork(SERVERS, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
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

export const httpDecision: Scenario = {
  name: 'http-decision',
  description: 'POST /v1/data decisions over HTTP and an authenticated GET vs a bare Fastify constant-JSON route, rounds in rotation',
  async run(opts) {
    const { child, ready } = await startServers()
    try {
      const key = await setUp(ready.dyadPort, ready.adminKey)
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
      const dyad: Target = { name: 'dyad decision', port: ready.dyadPort, method: 'POST', path: `/v1/projects/${PROJECT}/opa/v1/data/app/rbac/allow`, headers, body: INPUT }
      const whoami: Target = { name: 'dyad whoami', port: ready.dyadPort, method: 'GET', path: '/v1/whoami', headers: { authorization: headers.authorization } }
      const bare: Target = { name: 'bare fastify', port: ready.barePort, method: 'POST', path: '/v1/data/app/rbac/allow', headers, body: INPUT }
      for (const t of [dyad, bare]) {
        const body = JSON.parse(await must(t, 200, t.name)) as { result?: unknown }
        if (body.result !== true) throw new Error(`${t.name}: expected result true, got ${JSON.stringify(body)}`)
      }
      await must(whoami, 200, whoami.name)
      const targets = [dyad, whoami, bare]

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
        bareOverDecisionRps: b.rps / a.rps,
        decisionOverBareMedianLatency: a.latencyNs.median / b.latencyNs.median,
        bareOverWhoamiRps: b.rps / w.rps,
        whoamiOverDecisionRps: w.rps / a.rps,
      }
      return {
        tables: [
          { title: `http-decision: rounds in rotation, ${CONCURRENCY} keep-alive connections, ${(round.maxMs / 1000).toFixed(1)} s per round`, columns: ['round', 'target', 'requests', 'errors', 'req/s', 'median', 'p99'], rows: perRound },
          {
            title: 'http-decision: totals (same client, same server process, same run)',
            columns: ['target', 'rounds', 'requests', 'errors', 'req/s (all rounds)', 'req/s (median round)', 'median', 'p99'],
            rows: targets.map((t) => total(t.name, totals.get(t.name)!)),
          },
          {
            title: 'http-decision: ratios',
            columns: ['comparison', 'throughput (fast/slow)', 'throughput, median rounds', 'median latency (slow/fast)', 'p99 latency (slow/fast)'],
            rows: [ratio('dyad decision vs bare fastify', a, b), ratio('dyad whoami vs bare fastify', w, b), ratio('dyad decision vs dyad whoami', a, w)],
          },
        ],
        summary: [
          `http-decision: a bare Fastify route serves ${fmtRatio(ratios.bareOverDecisionRps)} the requests/s of a Dyad decision (${fmtRate(b.rps)} vs ${fmtRate(a.rps)}); median latency ${fmtNs(a.latencyNs.median)} vs ${fmtNs(b.latencyNs.median)} (${fmtRatio(ratios.decisionOverBareMedianLatency)})`,
          `http-decision: an authenticated Dyad GET /v1/whoami does ${fmtRatio(ratios.whoamiOverDecisionRps)} the requests/s of a decision (${fmtRate(w.rps)}); bare / whoami = ${fmtRatio(ratios.bareOverWhoamiRps)}`,
        ],
        notes: [
          'A Dyad decision request authenticates the API key, authorizes policy.decide through the gateway Rego authz policy (the rego-authz scenario, plus a membership lookup), loads the compiled policy for the project, evaluates it, and writes a decision-log entry to PGlite (durable write) before answering; the decision ratio includes all of that.',
          'dyad whoami is an authenticated GET through the same gateway (API key check, Rego authorization of a self action) with no project policy and no decision-log write: the gap between it and the decision is the decision path.',
          'The bare route parses the same JSON body and returns {"result":true}; same headers, same client, same child process.',
          'Client and server are separate processes sharing 2 cores, so the client competes with the server for CPU for every target alike.',
          'Rate limiting is disabled in the benchmarked app (DYAD_RATE_LIMIT_PER_MINUTE=0); every other default is kept, logger off.',
        ],
        data: { concurrency: CONCURRENCY, roundBound: round, warmBound: warm, totals: Object.fromEntries(totals), ratios, rounds: rounds.map(({ samplesNs: _s, ...r }) => r) },
      }
    } finally {
      await stopServers(child)
    }
  },
}
