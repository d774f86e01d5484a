/**
 * In-process measurement of a synchronous call (a policy decision): latency per call, mean from
 * one long loop, and approximate bytes allocated per call. Every loop stops at a count or a time
 * limit, whichever comes first, so a slow machine shortens a run instead of stretching it.
 */
import { PerformanceObserver, performance } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'
import type { Bound } from './scenario.ts'
import { median, summarize, type Summary } from './stats.ts'

export interface CallTiming {
  warmup: { calls: number; ms: number }
  /** One process.hrtime.bigint() pair around each call; includes ~100 ns of timer overhead. */
  perCall: Summary
  /** One clock read around the whole loop: total / calls, free of per-call timer overhead. */
  loop: { calls: number; totalNs: number; meanNs: number }
}

function loop(fn: () => unknown, b: Bound): { calls: number; totalNs: number } {
  const deadline = performance.now() + b.maxMs
  const t0 = process.hrtime.bigint()
  let calls = 0
  while (calls < b.count) {
    fn()
    calls++
    // Checking the clock every call would cost as much as a small decision; every 16 is enough.
    if ((calls & 15) === 0 && performance.now() > deadline) break
  }
  return { calls, totalNs: Number(process.hrtime.bigint() - t0) }
}

export function timeCalls(fn: () => unknown, b: { warmup: Bound; timed: Bound; loop: Bound }): CallTiming {
  const w = loop(fn, b.warmup)
  const samples: number[] = []
  const deadline = performance.now() + b.timed.maxMs
  while (samples.length < b.timed.count && (samples.length < 10 || performance.now() < deadline)) {
    const t0 = process.hrtime.bigint()
    fn()
    samples.push(Number(process.hrtime.bigint() - t0))
  }
  const l = loop(fn, b.loop)
  return { warmup: { calls: w.calls, ms: w.totalNs / 1e6 }, perCall: summarize(samples), loop: { ...l, meanNs: l.totalNs / l.calls } }
}

export interface AllocResult {
  /** Median over the rounds that saw no garbage collection; undefined without --expose-gc. */
  bytesPerCall?: number
  callsPerRound: number
  roundsKept: number
  roundsDiscarded: number
  method: string
}

export const ALLOC_METHOD =
  'gc(); read the young generation\'s used bytes (v8 new_space + new_large_object_space); K calls; read again; ' +
  '(delta - delta of an empty round) / K. Rounds during which any GC ran (PerformanceObserver "gc" entries) are ' +
  'discarded; median of the rest. Counts everything the calls allocate, short-lived garbage included; objects V8 ' +
  'pretenures straight into old space are not counted (old-space figures are skewed by concurrent sweeping after gc()).'

const YOUNG = new Set(['new_space', 'new_large_object_space'])
function youngBytes(): number {
  let n = 0
  for (const s of getHeapSpaceStatistics()) if (YOUNG.has(s.space_name)) n += s.space_used_size
  return n
}

const gcFn = (globalThis as { gc?: () => void }).gc

/** Bytes allocated per call, by heap deltas between forced collections (needs --expose-gc). */
export async function allocPerCall(fn: () => unknown, b: Bound): Promise<AllocResult> {
  if (!gcFn) return { callsPerRound: 0, roundsKept: 0, roundsDiscarded: 0, method: 'skipped: run without --expose-gc' }
  const gc = gcFn
  const gcStarts: number[] = []
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcStarts.push(e.startTime)
  })
  obs.observe({ entryTypes: ['gc'] })

  const round = (k: number, f: () => unknown) => {
    gc()
    const start = performance.now()
    const h0 = youngBytes()
    for (let i = 0; i < k; i++) f()
    const h1 = youngBytes()
    return { start, end: performance.now(), bytes: h1 - h0 }
  }
  const noop = () => undefined
  // Size rounds to ~256 KiB of allocation: far below the young generation, so a scavenge inside a
  // round is rare (and detected when it happens).
  const probe = round(8, fn)
  const k = Math.max(1, Math.min(2000, Math.floor((256 * 1024) / Math.max(1, probe.bytes / 8))))

  type Window = { start: number; end: number }
  const rounds: Array<{ windows: Window[]; perCall: number }> = []
  const deadline = performance.now() + b.maxMs
  for (let i = 0; i < b.count && performance.now() < deadline; i++) {
    const empty = round(k, noop)
    const r = round(k, fn)
    rounds.push({ windows: [empty, r], perCall: (r.bytes - empty.bytes) / k })
  }
  await new Promise((r) => setTimeout(r, 50)) // let the observer deliver the last entries
  obs.disconnect()
  // The forced gc() of each round starts before that round's window opens, so only a collection
  // that started while the calls ran spoils a round.
  const spoiled = (w: Window) => gcStarts.some((s) => s >= w.start && s <= w.end)
  const clean = rounds.filter((r) => !r.windows.some(spoiled))
  return {
    bytesPerCall: clean.length ? median(clean.map((r) => r.perCall)) : undefined,
    callsPerRound: k,
    roundsKept: clean.length,
    roundsDiscarded: rounds.length - clean.length,
    method: ALLOC_METHOD,
  }
}
