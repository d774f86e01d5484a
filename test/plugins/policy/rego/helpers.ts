/** Small helpers for the Rego engine tests: compile sources, evaluate, and read JSON back. */
import { compileModules, evaluate, type EvaluateOptions } from '../../../../plugins/policy/rego/index.ts'
import { fromJs, toJs } from '../../../../plugins/policy/rego/value.ts'

export function run(src: string | Record<string, string>, query: string, opts: Omit<EvaluateOptions, 'query'> & { inputJson?: unknown } = {}): unknown[] {
  const files = typeof src === 'string' ? { 'test.rego': src } : src
  const policy = compileModules({ files })
  const { bindings } = evaluate(policy, { ...opts, query, input: opts.inputJson !== undefined ? fromJs(opts.inputJson) : opts.input })
  return bindings.map((b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, toJs(v)])))
}

/** The value of `x` in `query` (first solution) or undefined. */
export function value(src: string, query = 'x := data.test.p', opts: Omit<EvaluateOptions, 'query'> & { inputJson?: unknown } = {}): unknown {
  const r = run(src, query, opts) as Array<Record<string, unknown>>
  return r.length ? r[0].x : undefined
}

/** Runs `f` and returns the thrown error's code/message/location (RegoErrors: the first one). */
export function errorOf(f: () => unknown): { code?: string; message?: string; location?: unknown; count?: number } {
  try {
    f()
  } catch (e) {
    const errs = (e as { errors?: Array<{ code: string; message: string; location?: unknown }> }).errors
    const first = errs?.[0] ?? (e as { code?: string; message: string; location?: unknown })
    return { code: first.code, message: first.message, location: first.location, count: errs?.length }
  }
  return {}
}
