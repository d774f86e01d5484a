/**
 * The SQL shared by the metadata-filter and access-condition compilers: a parameter list and the
 * comparison of one jsonb expression with tenant values.
 *
 * Values never enter the SQL text: each is a `$n` parameter (JSON text cast to jsonb, or text), so
 * a hostile value is data whatever it holds. The SQL text is built only from fixed fragments and
 * parameter numbers. Every leaf is two-valued (COALESCE(..., false)) so NOT/AND/OR over a missing
 * key behave like the JS reference semantics in the port, never like SQL's three-valued logic.
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
export function compareSql(expr: string, op: CompareOp, value: Scalar | null, params: SqlParams): string {
  if (op === 'eq' || op === 'ne') {
    const eq = value === null ? `(${expr} IS NULL OR ${expr} = 'null'::jsonb)` : `COALESCE(${expr} = ${params.add(JSON.stringify(value))}::jsonb, false)`
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

/** `expr` is an array holding `value`. */
export function containsSql(expr: string, value: Scalar, params: SqlParams): string {
  return `(CASE WHEN jsonb_typeof(${expr}) = 'array' THEN ${expr} @> jsonb_build_array(${params.add(JSON.stringify(value))}::jsonb) ELSE false END)`
}

/** `expr` is an array sharing an element with `values`. CASE, not AND: the array functions must never see a non-array. */
export function overlapsSql(expr: string, values: Scalar[], params: SqlParams): string {
  const list = params.add(JSON.stringify(values))
  return `(CASE WHEN jsonb_typeof(${expr}) = 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(${expr}) AS e(v) WHERE ${list}::jsonb @> jsonb_build_array(e.v)) ELSE false END)`
}

/** A tenant scalar: finite numbers, bounded strings. Returns an error message or undefined. */
export function scalarProblem(value: unknown, maxStringLength: number): string | undefined {
  if (typeof value === 'boolean') return undefined
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'numbers must be finite'
  if (typeof value === 'string') return value.length <= maxStringLength ? undefined : `strings are at most ${maxStringLength} characters`
  return 'values must be strings, numbers or booleans'
}
