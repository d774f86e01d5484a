/**
 * The SQL of metadata-filter leaves (the port's filter semantics; access conditions have Rego's,
 * in access-sql.ts) and the parameter list both compilers share.
 *
 * Values never enter the SQL text: each is a `$n` parameter (JSON text cast to jsonb, or text), so
 * a hostile value is data whatever it holds. The SQL text is built only from fixed fragments and
 * parameter numbers. Every leaf is two-valued (COALESCE(..., false)) so NOT/AND/OR over a missing
 * key behave as the port's filter semantics say, never like SQL's three-valued logic.
 */
import type { Scalar } from '../ports/retrieval.ts'

/** Collects query parameters; `add` returns the placeholder for the value. */
export class SqlParams {
  readonly values: unknown[]
  constructor(initial: unknown[] = []) {
    this.values = [...initial]
  }
  add(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}

export type CompareOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'

const RANGE_SQL = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const

/** `expr` (jsonb, NULL when missing) compared with a scalar. Range operators need a number or a string. */
export function compareSql(expr: string, op: CompareOp, value: Scalar, params: SqlParams): string {
  if (op === 'eq' || op === 'ne') {
    const eq = `COALESCE(${expr} = ${params.add(JSON.stringify(value))}::jsonb, false)`
    return op === 'eq' ? eq : `(NOT ${eq})`
  }
  const sym = RANGE_SQL[op]
  // jsonb orders numbers numerically; strings are compared as text in code-point order ("C"),
  // whatever the database's collation, so every adapter and the JS reference agree.
  if (typeof value === 'number') {
    return `COALESCE(jsonb_typeof(${expr}) = 'number' AND ${expr} ${sym} ${params.add(JSON.stringify(value))}::jsonb, false)`
  }
  return `COALESCE(jsonb_typeof(${expr}) = 'string' AND (${expr} #>> '{}') COLLATE "C" ${sym} ${params.add(value)}::text COLLATE "C", false)`
}

/** `expr` equals one of `values` (scalars): containment in the list as one jsonb array parameter. */
export function inSql(expr: string, values: Scalar[], params: SqlParams): string {
  return `COALESCE(${params.add(JSON.stringify(values))}::jsonb @> jsonb_build_array(${expr}), false)`
}

/**
 * Text Postgres can store: no NUL (text and jsonb refuse it, a database error) and no lone UTF-16
 * surrogate (jsonb refuses its escape; as text it would silently become U+FFFD and match nothing).
 */
export const storableText = (s: string): boolean => !s.includes('\u0000') && !/[\ud800-\udfff]/u.test(s)

/** A tenant scalar: finite numbers, bounded storable strings. Returns an error message or undefined. */
export function scalarProblem(value: unknown, maxStringLength: number): string | undefined {
  if (typeof value === 'boolean') return undefined
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'numbers must be finite'
  if (typeof value === 'string') {
    if (value.length > maxStringLength) return `strings are at most ${maxStringLength} characters`
    return storableText(value) ? undefined : 'strings hold no NUL character and no lone surrogate'
  }
  return 'values must be strings, numbers or booleans'
}
