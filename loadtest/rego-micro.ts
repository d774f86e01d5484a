/**
 * Shared by the in-process Rego scenarios: time a few decision cases of one policy with the same
 * budgets and render them as one table.
 */
import { allocPerCall, timeCalls, type AllocResult, type CallTiming } from './measure.ts'
import { scale, type BenchOptions, type Table } from './scenario.ts'
import { fmtBytes, fmtNs, fmtRate } from './stats.ts'

export interface DecisionCase {
  label: string
  /** One decision; must throw if the policy answers something unexpected (checked once up front). */
  fn: () => unknown
  check: () => void
}

export interface CaseResult {
  label: string
  timing: CallTiming
  alloc: AllocResult
}

export const MICRO_COLUMNS = ['case', 'calls', 'median', 'p99', 'mean (per call)', 'mean (loop total/N)', 'decisions/s', 'alloc/decision']

export async function benchCases(cases: DecisionCase[], opts: BenchOptions): Promise<CaseResult[]> {
  const out: CaseResult[] = []
  for (const c of cases) {
    c.check()
    const timing = timeCalls(c.fn, {
      warmup: scale(opts, { count: 5000, maxMs: 3000 }, { count: 500, maxMs: 500 }),
      timed: scale(opts, { count: 20000, maxMs: 5000 }, { count: 1000, maxMs: 600 }),
      loop: scale(opts, { count: 20000, maxMs: 4000 }, { count: 1000, maxMs: 500 }),
    })
    const alloc = await allocPerCall(c.fn, scale(opts, { count: 25, maxMs: 3000 }, { count: 5, maxMs: 500 }))
    out.push({ label: c.label, timing, alloc })
  }
  return out
}

export function microRow(r: CaseResult): Record<string, string> {
  const t = r.timing
  return {
    case: r.label,
    calls: String(t.perCall.n),
    median: fmtNs(t.perCall.median),
    p99: fmtNs(t.perCall.p99),
    'mean (per call)': fmtNs(t.perCall.mean),
    'mean (loop total/N)': fmtNs(t.loop.meanNs),
    'decisions/s': fmtRate(1e9 / t.loop.meanNs),
    'alloc/decision': r.alloc.bytesPerCall === undefined ? '—' : `~${fmtBytes(r.alloc.bytesPerCall)}`,
  }
}

export function microTable(title: string, results: CaseResult[]): Table {
  return { title, columns: MICRO_COLUMNS, rows: results.map(microRow) }
}

export function microData(results: CaseResult[]) {
  return results.map((r) => ({
    case: r.label,
    warmup: r.timing.warmup,
    perCallNs: r.timing.perCall,
    loop: r.timing.loop,
    alloc: r.alloc,
  }))
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`)
}
