/**
 * The local load runner: plays a scenario of loadtest/k6/scenarios.js against every DC at once, as
 * k6's constant-arrival-rate executor would (an open model: arrivals on a fixed schedule whatever
 * the response times, dropped when `maxInFlight` are outstanding), and checks the scenario's
 * thresholds per DC. k6 users run loadtest/k6/dyad.js with the same definitions instead.
 *
 * Every loop is bounded: a DC sends at most rate × duration requests, each with a timeout.
 */
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { pick, render, requests, runProject, scenarios, setupSteps, teardownSteps, type Rendered, type ScenarioDef, type SetupStep } from '../k6/scenarios.js'
import { evaluateThresholds, percentile, type MetricData, type Sample, type ThresholdResult } from './thresholds.ts'

export interface DcTarget {
  dc: string
  /** Base URL, e.g. http://127.0.0.1:8080 (through the DC's load balancer in a real topology). */
  url: string
}

export interface LoadOptions {
  scenario: string
  dcs: DcTarget[]
  /** Platform admin key, for setup and teardown (run through the first DC). */
  adminKey: string
  /** Overrides of the scenario's duration (s) and rate (per second per DC). */
  duration?: number
  rate?: number
  /** Per-request timeout; a timed-out request is a failed one. */
  timeoutMs?: number
  /** Progress lines (one per second per DC) and setup steps. */
  progress?: (line: string) => void
}

export interface DcReport {
  dc: string
  requests: number
  failed: number
  dropped: number
  rps: number
  p50: number
  p95: number
  p99: number
  byRequest: Array<{ request: string; requests: number; failed: number; p50: number; p99: number }>
  /** Status counts, for diagnosing failures (`error` for transport errors and timeouts). */
  statuses: Record<string, number>
  thresholds: ThresholdResult[]
}

export interface LoadReport {
  scenario: string
  project: string
  seconds: number
  dcs: DcReport[]
  ok: boolean
}

export class LoadSetupError extends Error {}

async function send(base: string, r: Rendered, timeoutMs: number): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${r.path}`, { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(timeoutMs) })
  return { status: res.status, text: await res.text() }
}

async function runSteps(steps: SetupStep[], base: string, vars: Record<string, string | number>, adminKey: string, timeoutMs: number, progress?: (l: string) => void) {
  for (const step of steps) {
    const res = await send(base, render(step, vars, adminKey), timeoutMs)
    if (!step.expect.includes(res.status)) throw new LoadSetupError(`${step.name}: HTTP ${res.status} ${res.text.slice(0, 300)}`)
    for (const [v, field] of Object.entries(step.capture ?? {})) vars[v] = (JSON.parse(res.text) as Record<string, string>)[field]
    progress?.(`setup: ${step.name} ok`)
  }
}

/** Plays the arrivals of one DC; resolves when every request sent has finished. */
async function playDc(def: ScenarioDef, target: DcTarget, vars: Record<string, string | number>, data: MetricData, statuses: Record<string, number>, opts: { rate: number; duration: number; timeoutMs: number; progress?: (l: string) => void }) {
  const total = Math.floor(opts.rate * opts.duration)
  const interval = 1000 / opts.rate
  const start = performance.now()
  const inFlight = new Set<Promise<void>>()
  let nextReport = 1000
  for (let i = 0; i < total; i++) {
    const due = start + i * interval
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    if (performance.now() - start >= nextReport) {
      opts.progress?.(`${target.dc}: ${Math.round(nextReport / 1000)}s, ${i} arrivals, ${inFlight.size} in flight`)
      nextReport += 1000
    }
    if (inFlight.size >= def.maxInFlight) {
      data.dropped.push({ dc: target.dc })
      continue
    }
    const name = pick(def.mix, Math.random())
    const req = requests[name]
    const tags = { dc: target.dc, request: name, kind: req.kind ?? 'read' }
    const r = render(req, { ...vars, dc: target.dc, n: i }, String(vars.key))
    const t0 = performance.now()
    const p: Promise<void> = send(target.url, r, opts.timeoutMs)
      .then(
        (res) => {
          statuses[res.status] = (statuses[res.status] ?? 0) + 1
          return !req.expect.includes(res.status)
        },
        () => {
          statuses.error = (statuses.error ?? 0) + 1
          return true
        },
      )
      .then((failed) => {
        data.samples.push({ tags, durationMs: performance.now() - t0, failed } satisfies Sample)
        inFlight.delete(p)
      })
    inFlight.add(p)
  }
  await Promise.all(inFlight)
}

function report(dc: string, data: MetricData, statuses: Record<string, number>, thresholds: ThresholdResult[]): DcReport {
  const mine = data.samples.filter((s) => s.tags.dc === dc)
  const sorted = (xs: Sample[]) => xs.map((s) => s.durationMs).sort((a, b) => a - b)
  const all = sorted(mine)
  const names = [...new Set(mine.map((s) => s.tags.request))].sort()
  return {
    dc,
    requests: mine.length,
    failed: mine.filter((s) => s.failed).length,
    dropped: data.dropped.filter((d) => d.dc === dc).length,
    rps: data.seconds > 0 ? mine.length / data.seconds : 0,
    p50: percentile(all, 50),
    p95: percentile(all, 95),
    p99: percentile(all, 99),
    byRequest: names.map((request) => {
      const xs = mine.filter((s) => s.tags.request === request)
      const d = sorted(xs)
      return { request, requests: xs.length, failed: xs.filter((s) => s.failed).length, p50: percentile(d, 50), p99: percentile(d, 99) }
    }),
    statuses,
    thresholds,
  }
}

/** Sets up a fresh project, plays the scenario against every DC at once, tears down, and judges. */
export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const def = scenarios[opts.scenario]
  if (!def) throw new LoadSetupError(`unknown scenario ${opts.scenario}; known: ${Object.keys(scenarios).join(', ')}`)
  if (opts.dcs.length === 0) throw new LoadSetupError('no DC to load')
  const rate = opts.rate ?? def.rate
  const duration = opts.duration ?? def.duration
  if (!(rate > 0 && rate <= 10_000 && duration > 0 && duration <= 3600)) throw new LoadSetupError('rate must be in (0, 10000] per second and duration in (0, 3600] seconds')
  const timeoutMs = opts.timeoutMs ?? 10_000
  const vars: Record<string, string | number> = { project: runProject(Date.now()) }
  await runSteps(setupSteps, opts.dcs[0].url, vars, opts.adminKey, timeoutMs, opts.progress)
  const data: MetricData = { samples: [], dropped: [], seconds: duration }
  const statuses = new Map(opts.dcs.map((d) => [d.dc, {} as Record<string, number>]))
  const started = performance.now()
  try {
    await Promise.all(opts.dcs.map((d) => playDc(def, d, vars, data, statuses.get(d.dc)!, { rate, duration, timeoutMs, progress: opts.progress })))
  } finally {
    data.seconds = Math.max(duration, (performance.now() - started) / 1000)
    await runSteps(teardownSteps, opts.dcs[0].url, vars, opts.adminKey, timeoutMs, opts.progress).catch((err: Error) => opts.progress?.(`teardown failed: ${err.message}`))
  }
  const dcs = opts.dcs.map((d) => report(d.dc, data, statuses.get(d.dc)!, evaluateThresholds(def.thresholds, data, { dc: d.dc })))
  return { scenario: opts.scenario, project: String(vars.project), seconds: data.seconds, dcs, ok: dcs.every((d) => d.thresholds.every((t) => t.ok)) }
}

const ms = (x: number) => (x < 1 ? `${(x * 1000).toFixed(0)} µs` : `${x.toFixed(2)} ms`)

/** The summary table per DC, and each threshold with its measured value. */
export function formatReport(r: LoadReport): string {
  const lines = [`scenario ${r.scenario} (project ${r.project}), ${r.seconds.toFixed(1)} s`, '']
  lines.push('dc     requests  req/s     failed  dropped  p50        p95        p99')
  for (const d of r.dcs) {
    lines.push(`${d.dc.padEnd(6)} ${String(d.requests).padStart(8)}  ${d.rps.toFixed(1).padStart(8)}  ${String(d.failed).padStart(6)}  ${String(d.dropped).padStart(7)}  ${ms(d.p50).padEnd(9)}  ${ms(d.p95).padEnd(9)}  ${ms(d.p99)}`)
  }
  for (const d of r.dcs) {
    lines.push('', `${d.dc}: by request`)
    for (const q of d.byRequest) lines.push(`  ${q.request.padEnd(12)} ${String(q.requests).padStart(7)} requests, ${q.failed} failed, p50 ${ms(q.p50)}, p99 ${ms(q.p99)}`)
    lines.push(`  statuses: ${Object.entries(d.statuses).map(([s, n]) => `${s}×${n}`).join(' ')}`)
    for (const t of d.thresholds) lines.push(`  ${t.ok ? 'ok  ' : 'FAIL'} ${t.metric} ${t.expression} (measured ${Number.isInteger(t.value) ? t.value : t.value.toFixed(4)})`)
  }
  lines.push('', r.ok ? 'all thresholds passed' : 'THRESHOLDS FAILED')
  return lines.join('\n')
}
