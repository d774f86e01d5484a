/**
 * Runs one OPA YAML conformance case and judges it the way OPA's own harness does
 * (see /work/shared/opa-conformance/README.md): compile, evaluate the query, then compare
 * errors by code/substring or results as an unordered set under Rego equality.
 */
import { compileModules, evaluate, parseValue, RegoError, RegoErrors } from '../rego/index.ts'
import { arr, compare, fromJs, keyOf, obj, str, toJs, type Value } from '../rego/value.ts'

export interface Case {
  note: string
  query: string
  modules?: string[]
  data?: unknown
  input?: unknown
  input_term?: string
  want_result?: Array<Record<string, unknown>>
  sort_bindings?: boolean
  want_error_code?: string
  want_error?: string
  strict_error?: boolean
}

export interface Verdict {
  pass: boolean
  reason?: string
}

export function judge(c: Case, timeoutMs = 5000): Verdict {
  try {
    return judgeCase(c, timeoutMs)
  } catch (e) {
    return { pass: false, reason: `internal error: ${(e as Error).stack ?? String(e)}` }
  }
}

function judgeCase(c: Case, timeoutMs: number): Verdict {
  const wantsError = c.want_error_code !== undefined || c.want_error !== undefined
  let bindings: Array<Record<string, Value>>
  try {
    const files: Record<string, string> = {}
    ;(c.modules ?? []).forEach((m, i) => (files[`test-${i}.rego`] = m))
    const policy = compileModules({ files })
    const input = c.input_term !== undefined ? parseValue(c.input_term) : c.input === undefined ? undefined : fromJs(c.input)
    bindings = evaluate(policy, {
      query: c.query,
      input,
      data: fromJs(c.data ?? {}),
      strict: c.strict_error ?? false,
      budget: { timeoutMs },
      // A fixed clock keeps time-dependent cases reproducible within a run.
      nowNs: BigInt(Date.now()) * 1_000_000n,
    }).bindings
  } catch (e) {
    const err = e instanceof RegoErrors ? e.errors[0] : e
    if (!(err instanceof RegoError)) return { pass: false, reason: `internal error: ${(e as Error).stack ?? String(e)}` }
    if (!wantsError) return { pass: false, reason: `unexpected error: ${err.message}` }
    if (c.want_error_code !== undefined && err.code !== c.want_error_code) return { pass: false, reason: `want code ${c.want_error_code}, got ${err.message}` }
    if (c.want_error !== undefined && !err.message.includes(c.want_error)) return { pass: false, reason: `want error containing ${JSON.stringify(c.want_error)}, got ${err.message}` }
    return { pass: true }
  }
  if (wantsError) return { pass: false, reason: `want error ${c.want_error_code ?? ''} ${c.want_error ?? ''}, got ${bindings.length} result(s)` }
  const want = (c.want_result ?? []).map((b) => normalise(fromJs(b), c.sort_bindings ?? false))
  const got = bindings.map((b) => normalise(obj(Object.entries(b).map(([k, v]) => [str(k), fromJs(toJs(v))] as const)), c.sort_bindings ?? false))
  const wantKeys = new Set(want.map(keyOf))
  const gotKeys = new Set(got.map(keyOf))
  const same = wantKeys.size === gotKeys.size && [...wantKeys].every((k) => gotKeys.has(k))
  if (same) return { pass: true }
  return { pass: false, reason: `want ${show(want)}\n      got ${show(got)}` }
}

/** With sort_bindings, array bindings are sorted in OPA's value order before comparing. */
function normalise(b: Value, sort: boolean): Value {
  if (!sort || b.type !== 'object') return b
  return obj([...b.entries.values()].map(([k, v]) => [k, v.type === 'array' ? arr([...v.items].sort(compare)) : v] as const))
}

function show(vs: Value[]): string {
  const text = JSON.stringify(vs.map(toJs), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))
  return text.length > 600 ? text.slice(0, 600) + '...' : text
}
