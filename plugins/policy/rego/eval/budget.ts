/**
 * Evaluation budget. Rego can express unbounded work (huge ranges, deep recursion through data,
 * values that double in size at every step), so every query runs against a deadline, a step
 * budget and a memory budget. The evaluator ticks steps in its inner loop; built-ins whose work
 * grows with their input charge it up front (builtins/cost.ts), so a limit fires before the work
 * is done, not after. Exhausting any of them raises `eval_cancel_error`, which callers map to
 * "policy too expensive" rather than hanging the process or letting V8 run out of heap.
 */
import { getHeapStatistics } from 'node:v8'
import { RegoError, type Location } from '../errors.ts'

export interface BudgetOptions {
  /** Wall-clock limit in milliseconds (default 5000). */
  timeoutMs?: number
  /** Maximum evaluation steps (default 50 million). */
  maxSteps?: number
  /** Maximum nesting of rule/function evaluation (default 2000). */
  maxDepth?: number
  /**
   * Estimated bytes of values built-ins may create in one evaluation, summed over the whole
   * evaluation (garbage included: it is a bound on allocation, not on live memory). Default
   * (also for 0): an eighth of V8's heap limit, so one evaluation cannot take the process down.
   */
  maxBytes?: number
}

/**
 * Steps of built-in work per millisecond. Built-in estimates (builtins/cost.ts) are calibrated so
 * one step is about 100 ns, like the evaluator's own steps, which lets a large charge be refused
 * when its work would end past the deadline instead of being started and overrunning it.
 */
const STEPS_PER_MS = 10_000

/** Sized from V8's heap limit, which Node derives from the machine's memory (or --max-old-space-size). */
export const DEFAULT_MAX_BYTES = Math.floor(getHeapStatistics().heap_size_limit / 8)

export class Budget {
  steps = 0
  depth = 0
  /** Estimated bytes of values built so far (see `charge`). */
  bytes = 0
  readonly deadline: number
  readonly maxSteps: number
  readonly maxDepth: number
  readonly maxBytes: number
  /** Location of the last located tick: the call a built-in's charge is reported at. */
  #at: Location | undefined
  constructor(opts: BudgetOptions = {}) {
    this.deadline = Date.now() + (opts.timeoutMs ?? 5000)
    this.maxSteps = opts.maxSteps ?? 50_000_000
    this.maxDepth = opts.maxDepth ?? 2000
    this.maxBytes = opts.maxBytes || DEFAULT_MAX_BYTES
  }

  /** One unit of work; the clock is read every 1024 steps to keep the check cheap. */
  tick(n = 1, loc?: Location): void {
    if (loc !== undefined) this.#at = loc
    this.steps += n
    if (this.steps > this.maxSteps) throw new RegoError('eval_cancel_error', `evaluation exceeded the step budget (${this.maxSteps} steps)`, loc ?? this.#at)
    if ((this.steps & 1023) < n && Date.now() > this.deadline) throw new RegoError('eval_cancel_error', 'evaluation exceeded its deadline', loc ?? this.#at)
  }

  /**
   * Work a built-in is about to do (in steps) and the bytes of the values it is about to build.
   * Called before the work: the memory check comes first, so a value V8 could not even represent
   * is refused without being attempted. Charges of 1024 steps or more always read the clock, and
   * are refused when the work they announce would end after the deadline.
   */
  charge(steps: number, bytes = 0): void {
    if (bytes > 0) {
      if (this.bytes + bytes > this.maxBytes) throw new RegoError('eval_cancel_error', `evaluation exceeded its memory budget (${this.maxBytes} bytes)`, this.#at)
      this.bytes += bytes
    }
    if (steps < 1) return
    this.tick(Math.ceil(steps))
    if (steps >= 1024 && Date.now() + steps / STEPS_PER_MS > this.deadline) throw new RegoError('eval_cancel_error', 'evaluation exceeded its deadline', this.#at)
  }

  enter(loc?: Location): void {
    if (++this.depth > this.maxDepth) throw new RegoError('eval_cancel_error', `evaluation exceeded the maximum depth (${this.maxDepth})`, loc)
  }

  leave(): void {
    this.depth--
  }
}
