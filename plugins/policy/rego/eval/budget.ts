/**
 * Evaluation budget. Rego can express unbounded work (huge ranges, deep recursion through data),
 * so every query runs against a deadline and a step budget checked in the evaluator's inner
 * loop. Exhausting either raises `eval_cancel_error`, which callers map to "policy too expensive"
 * rather than hanging a request thread.
 */
import { RegoError, type Location } from '../errors.ts'

export interface BudgetOptions {
  /** Wall-clock limit in milliseconds (default 5000). */
  timeoutMs?: number
  /** Maximum evaluation steps (default 50 million). */
  maxSteps?: number
  /** Maximum nesting of rule/function evaluation (default 2000). */
  maxDepth?: number
}

export class Budget {
  steps = 0
  depth = 0
  readonly deadline: number
  readonly maxSteps: number
  readonly maxDepth: number
  constructor(opts: BudgetOptions = {}) {
    this.deadline = Date.now() + (opts.timeoutMs ?? 5000)
    this.maxSteps = opts.maxSteps ?? 50_000_000
    this.maxDepth = opts.maxDepth ?? 2000
  }

  /** One unit of work; the clock is read every 1024 steps to keep the check cheap. */
  tick(n = 1, loc?: Location): void {
    this.steps += n
    if (this.steps > this.maxSteps) throw new RegoError('eval_cancel_error', `evaluation exceeded the step budget (${this.maxSteps} steps)`, loc)
    if ((this.steps & 1023) < n && Date.now() > this.deadline) throw new RegoError('eval_cancel_error', 'evaluation exceeded its deadline', loc)
  }

  enter(loc?: Location): void {
    if (++this.depth > this.maxDepth) throw new RegoError('eval_cancel_error', `evaluation exceeded the maximum depth (${this.maxDepth})`, loc)
  }

  leave(): void {
    this.depth--
  }
}
