/**
 * Metadata filter (OpenAI vector-store `filters` shape) → a parameterised SQL predicate over the
 * document row's `metadata` jsonb. The filter is tenant input: keys are checked against a small
 * charset, and depth, node count and list sizes are bounded before anything is compiled, so a deep
 * or huge filter is refused with RAG_FILTER_INVALID instead of costing recursion or planner time.
 */
import type { MetadataFilter, Scalar } from '../ports/retrieval.ts'
import { RagStoreErrors } from './errors.ts'
import { compareSql, inSql, scalarProblem, type SqlParams } from './predicate-sql.ts'

/** Metadata keys that can be stored and filtered on. */
export const METADATA_KEY_RE = /^[A-Za-z0-9_.:-]{1,64}$/

export const FILTER_LIMITS = {
  /** Nesting of and/or (a leaf at the top is depth 1). */
  maxDepth: 8,
  /** Leaves and and/or nodes together. */
  maxNodes: 256,
  /** Elements of one in/nin list. */
  maxListValues: 1_000,
  /** Values across the whole filter. */
  maxTotalValues: 4_000,
  maxStringLength: 1_000,
} as const

const COMPARE = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte'])
const RANGE = new Set(['gt', 'gte', 'lt', 'lte'])

const invalid = (why: string) => RagStoreErrors.filterInvalid(`Invalid metadata filter: ${why}.`)

/** Compiles `filter` against `metadataExpr` (a jsonb column reference); values go into `params`. */
export function compileMetadataFilter(filter: MetadataFilter, metadataExpr: string, params: SqlParams): string {
  const budget = { nodes: 0, values: 0 }
  const walk = (f: unknown, depth: number): string => {
    if (depth > FILTER_LIMITS.maxDepth) throw invalid(`nesting deeper than ${FILTER_LIMITS.maxDepth}`)
    if (++budget.nodes > FILTER_LIMITS.maxNodes) throw invalid(`more than ${FILTER_LIMITS.maxNodes} conditions`)
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw invalid('each condition is an object')
    const node = f as Record<string, unknown>
    const type = node.type
    if (type === 'and' || type === 'or') {
      const list = node.filters
      if (!Array.isArray(list)) throw invalid(`"${type}" takes a "filters" array`)
      if (list.length > FILTER_LIMITS.maxNodes) throw invalid(`more than ${FILTER_LIMITS.maxNodes} conditions`)
      if (list.length === 0) return type === 'and' ? 'true' : 'false'
      const parts = list.map((c) => walk(c, depth + 1))
      return `(${parts.join(type === 'and' ? ' AND ' : ' OR ')})`
    }
    const key = node.key
    if (typeof key !== 'string' || !METADATA_KEY_RE.test(key)) throw invalid('keys are 1-64 characters of A-Z a-z 0-9 _ . : -')
    const expr = `(${metadataExpr} -> ${params.add(key)}::text)`
    if (type === 'in' || type === 'nin') {
      const values = node.value
      if (!Array.isArray(values)) throw invalid(`"${type}" takes an array value`)
      if (values.length > FILTER_LIMITS.maxListValues) throw invalid(`an "${type}" list holds at most ${FILTER_LIMITS.maxListValues} values`)
      budget.values += values.length
      if (budget.values > FILTER_LIMITS.maxTotalValues) throw invalid(`more than ${FILTER_LIMITS.maxTotalValues} values in all`)
      for (const v of values) {
        const problem = scalarProblem(v, FILTER_LIMITS.maxStringLength)
        if (problem) throw invalid(problem)
      }
      const sql = inSql(expr, values as Scalar[], params)
      return type === 'in' ? sql : `(NOT ${sql})`
    }
    if (typeof type !== 'string' || !COMPARE.has(type)) throw invalid('type is one of eq, ne, gt, gte, lt, lte, in, nin, and, or')
    const value = node.value
    const problem = scalarProblem(value, FILTER_LIMITS.maxStringLength)
    if (problem) throw invalid(problem)
    if (++budget.values > FILTER_LIMITS.maxTotalValues) throw invalid(`more than ${FILTER_LIMITS.maxTotalValues} values in all`)
    if (RANGE.has(type) && typeof value === 'boolean') throw invalid(`"${type}" compares numbers or strings`)
    return compareSql(expr, type as 'eq', value as Scalar, params)
  }
  return walk(filter, 1)
}
