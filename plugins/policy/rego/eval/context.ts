/**
 * Evaluation context: what `with` can change (input, data overrides, function overrides) plus the
 * memo tables that are only valid for that exact combination. A `with` modifier builds a child
 * context with fresh memos; the rest of the body continues in the parent one.
 */
import type { Value } from '../value.ts'

/** `with f as g`: call another function, or return a fixed value. */
export type FnOverride = { fn: string } | { value: Value }

export interface DataOverride {
  path: string[]
  value: Value
}

// Shared by every context without `with` overrides: never mutated (`with` builds new ones).
const NO_DATA_OVERRIDES: readonly DataOverride[] = Object.freeze([])
const NO_FN_OVERRIDES: ReadonlyMap<string, FnOverride> = new Map()

export class Ctx {
  /** Rule node values by node id (undefined = evaluated and undefined). */
  readonly memo = new Map<number, Value | undefined>()
  readonly inProgress = new Set<number>()
  readonly fnMemo = new Map<string, Value | undefined>()
  constructor(
    readonly input: Value | undefined,
    readonly dataOverrides: readonly DataOverride[] = NO_DATA_OVERRIDES,
    readonly fnOverrides: ReadonlyMap<string, FnOverride> = NO_FN_OVERRIDES,
  ) {}
}

export type Env = Map<string, Value>
export type K = () => void
export type KV = (v: Value) => void
