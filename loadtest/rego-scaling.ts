/**
 * Scenario rego-scaling: compile time of a 1,000-rule policy, and decision time as the number of
 * indexable equality rules grows 10 → 10,000. OPA's rule index keeps such lookups roughly flat;
 * this reports whatever our engine does.
 */
import { performance } from 'node:perf_hooks'
import { compileModules, evaluate } from '../plugins/policy/rego/index.ts'
import { fromJs, toJs } from '../plugins/policy/rego/value.ts'
import { allocPerCall, timeCalls, type AllocResult, type CallTiming } from './measure.ts'
import { expectEqual } from './rego-micro.ts'
import { scale, type Scenario } from './scenario.ts'
import { fmtBytes, fmtNs, fmtRatio, median, summarize } from './stats.ts'

const SIZES = [10, 100, 1000, 10000]
const PATH = 'data.bench.scale.allow'

/** n rules, each `allow if { input.user == "u<i>"; input.action == "read" }` with its own constant. */
export function scalingPolicy(n: number): string {
  const lines = ['package bench.scale', '', 'import rego.v1', '', 'default allow := false', '']
  for (let i = 0; i < n; i++) lines.push(`allow if { input.user == "u${i}"; input.action == "read" }`)
  return lines.join('\n') + '\n'
}

function compileMs(src: string): { ms: number; policy: ReturnType<typeof compileModules> } {
  const t0 = process.hrtime.bigint()
  const policy = compileModules({ files: { 'scale.rego': src } })
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, policy }
}

interface SizeResult {
  rules: number
  compileMs: number
  hit: { timing: CallTiming; alloc: AllocResult }
  miss: { timing: CallTiming; alloc: AllocResult }
}

export const regoScaling: Scenario = {
  name: 'rego-scaling',
  description: 'compile time of 1,000 rules; decision time for 10 → 10,000 indexable equality rules',
  async run(opts) {
    // Compile time: repeated, because one compile of a fresh engine also pays for JIT warm-up.
    const src1000 = scalingPolicy(1000)
    const compileRuns: number[] = []
    const cb = scale(opts, { count: 7, maxMs: 15000 }, { count: 2, maxMs: 3000 })
    const cDeadline = performance.now() + cb.maxMs
    while (compileRuns.length < cb.count && (compileRuns.length === 0 || performance.now() < cDeadline)) compileRuns.push(compileMs(src1000).ms)

    const sizes: SizeResult[] = []
    for (const n of SIZES) {
      const { ms, policy } = compileMs(scalingPolicy(n))
      const measure = async (user: string, expected: boolean) => {
        const input = fromJs({ user, action: 'read' })
        const fn = () => evaluate(policy, { path: PATH, input })
        expectEqual(toJs(fn().result!), expected, `${n} rules, user ${user}`)
        const timing = timeCalls(fn, {
          warmup: scale(opts, { count: 2000, maxMs: 1500 }, { count: 200, maxMs: 300 }),
          timed: scale(opts, { count: 5000, maxMs: 3000 }, { count: 300, maxMs: 400 }),
          loop: scale(opts, { count: 5000, maxMs: 2000 }, { count: 300, maxMs: 300 }),
        })
        const alloc = await allocPerCall(fn, scale(opts, { count: 10, maxMs: 1000 }, { count: 3, maxMs: 300 }))
        return { timing, alloc }
      }
      // "hit" matches the middle rule; "miss" matches none, so every candidate rule is ruled out.
      sizes.push({ rules: n, compileMs: ms, hit: await measure(`u${Math.floor(n / 2)}`, true), miss: await measure('nobody', false) })
    }

    const base = sizes[0]
    const row = (s: SizeResult, kind: 'hit' | 'miss') => {
      const t = s[kind].timing
      const b = base[kind].timing
      return {
        rules: s.rules.toLocaleString('en-US'),
        input: kind === 'hit' ? `hit (u${Math.floor(s.rules / 2)})` : 'miss (no rule)',
        compile: `${s.compileMs.toFixed(0)} ms`,
        median: fmtNs(t.perCall.median),
        p99: fmtNs(t.perCall.p99),
        'mean (loop)': fmtNs(t.loop.meanNs),
        'vs 10 rules (median)': fmtRatio(t.perCall.median / b.perCall.median),
        'vs 10 rules (mean)': fmtRatio(t.loop.meanNs / b.loop.meanNs),
        'alloc/decision': s[kind].alloc.bytesPerCall === undefined ? '—' : `~${fmtBytes(s[kind].alloc.bytesPerCall!)}`,
      }
    }
    const last = sizes[sizes.length - 1]
    const compileSummary = summarize(compileRuns.map((ms) => ms * 1e6))
    return {
      tables: [
        {
          title: 'rego-scaling: compile time of a 1,000-rule policy',
          columns: ['runs', 'median', 'min', 'max'],
          rows: [{ runs: String(compileRuns.length), median: `${median(compileRuns).toFixed(0)} ms`, min: fmtNs(compileSummary.min), max: fmtNs(compileSummary.max) }],
        },
        {
          title: 'rego-scaling: decision time vs number of indexable equality rules (one compile per size)',
          columns: ['rules', 'input', 'compile', 'median', 'p99', 'mean (loop)', 'vs 10 rules (median)', 'vs 10 rules (mean)', 'alloc/decision'],
          rows: sizes.flatMap((s) => [row(s, 'hit'), row(s, 'miss')]),
        },
      ],
      summary: [
        `rego-scaling: compiling 1,000 rules takes ${median(compileRuns).toFixed(0)} ms (median of ${compileRuns.length})`,
        `rego-scaling: ${last.rules.toLocaleString('en-US')} rules vs 10, median decision: hit ${fmtRatio(last.hit.timing.perCall.median / base.hit.timing.perCall.median)}, miss ${fmtRatio(last.miss.timing.perCall.median / base.miss.timing.perCall.median)}`,
      ],
      notes: [
        'Each rule: allow if { input.user == "u<i>"; input.action == "read" }, distinct constants; OPA indexes these and stays roughly flat.',
        'The "compile" column is a single compile per size (the first-run JIT warm-up lands in the 10-rule one).',
      ],
      data: {
        compile1000Ms: compileRuns,
        sizes: sizes.map((s) => ({ rules: s.rules, compileMs: s.compileMs, hit: { perCallNs: s.hit.timing.perCall, loop: s.hit.timing.loop, alloc: s.hit.alloc }, miss: { perCallNs: s.miss.timing.perCall, loop: s.miss.timing.loop, alloc: s.miss.alloc } })),
      },
    }
  },
}
