/**
 * OPA's built-in function library, keyed by dotted name ("count", "strings.replace_n").
 *
 * Contract with the evaluator:
 * - `fn(args, ctx)` is synchronous; `args.length === arity`. Returning `undefined` makes the
 *   calling expression undefined.
 * - Throwing `BuiltinError` reports an OPA error code. The message already starts with the
 *   built-in's name, as OPA prints it; the evaluator adds "<file>:<row>: <code>: ". In non-strict
 *   mode OPA treats `eval_builtin_error` as undefined; `eval_type_error` always surfaces.
 * - A def with `relation: true` (`walk`) returns an array Value whose items are the outputs to
 *   iterate: the evaluator unifies the output term with each item in turn.
 * - Operators are here too under OPA's names: plus, minus, mul, div, rem, equal, neq, lt, lte, gt,
 *   gte, and (set &), or (set |), internal.member_2/3 (`in`).
 *
 * Static argument and result kinds for the compiler's type check live in signatures.ts; a
 * built-in without an entry there is simply unchecked.
 *
 * Budgets: every call is charged to the evaluation's budget (`ctx.budget`) by the wrapper in
 * registry.ts, before it runs, with the estimate cost.ts holds for built-ins whose work or result
 * grows with their input (measured nanoseconds per unit, ~100 ns a step; bytes of values built),
 * and after it with the size of results that had no estimate. Over budget is eval_cancel_error,
 * which no built-in catches or turns into undefined. A built-in that loops over its input itself
 * (walk) charges as it goes.
 *
 * Deliberate limits (each documented where it lives):
 * - numbers.range / range_step refuse ranges over MAX_RANGE_ELEMENTS (10M) and net.cidr_expand
 *   blocks over MAX_EXPAND (2^20 addresses): eval_builtin_error instead of exhausting memory.
 * - No network I/O from policies: http.send validates its request then fails with
 *   eval_builtin_error; net.lookup_ip_addr answers IP literals and /etc/hosts names only.
 * - test.sleep (OPA's test helper) sleeps at most MAX_SLEEP_MS.
 * - opa.runtime() omits `env` so policies cannot read the host's environment.
 * - trace(note) appends the note to ctx.cache.get('trace') (string[]) for explain output.
 */
import { registry } from './registry.ts'
import type { BuiltinDef } from './contract.ts'

export { BuiltinError } from './contract.ts'
export type { BuiltinContext, BuiltinDef, BuiltinErrorCode, BuiltinFn } from './contract.ts'

export const BUILTINS: ReadonlyMap<string, BuiltinDef> = registry()
