/**
 * Access condition (policy partial evaluation's residual, see the port) → a parameterised SQL
 * predicate over the document row. A field maps to a jsonb expression over the row's columns; a
 * field the row does not have is refused (RAG_ACCESS_CONDITION_INVALID) rather than read as
 * missing: a typo in a policy must fail loudly, never widen or narrow access silently.
 *
 * The condition is machine-made but derived from tenant policies, so it is bounded like a filter
 * (depth, nodes, values) and its values are parameters, never SQL text.
 */
import type { AccessCondition, DocField, Scalar } from '../ports/retrieval.ts'
import { RagStoreErrors } from './errors.ts'
import { METADATA_KEY_RE } from './filter-sql.ts'
import { compareSql, containsSql, inSql, overlapsSql, scalarProblem, type SqlParams } from './predicate-sql.ts'

export const ACCESS_LIMITS = {
  maxDepth: 32,
  maxNodes: 2_000,
  maxListValues: 5_000,
  maxTotalValues: 20_000,
  maxStringLength: 1_000,
} as const

const invalid = (why: string) => RagStoreErrors.accessInvalid(`Invalid access condition: ${why}.`)

/** Columns of the document row a condition may name, as jsonb (NULL when the column is). */
const TOP_FIELDS: Record<string, (d: string) => string> = {
  id: (d) => `to_jsonb(${d}.id)`,
  kbId: (d) => `to_jsonb(${d}.kb_id)`,
  title: (d) => `to_jsonb(${d}.title)`,
  status: (d) => `to_jsonb(${d}.status)`,
  contentHash: (d) => `to_jsonb(${d}.content_hash)`,
}
const ACCESS_KEYS = new Set(['users', 'groups', 'public'])

function fieldSql(field: unknown, d: string, params: SqlParams): string {
  const path = (field as DocField | null)?.path
  if (!Array.isArray(path) || !path.every((p) => typeof p === 'string')) throw invalid('a field is { path: string[] }')
  const [head, sub] = path
  if (path.length === 1 && Object.hasOwn(TOP_FIELDS, head!)) return TOP_FIELDS[head!]!(d)
  if (path.length === 2 && head === 'metadata' && METADATA_KEY_RE.test(sub!)) return `(${d}.metadata -> ${params.add(sub)}::text)`
  // The three access keys are fixed names, so they are SQL text; nothing tenant-chosen is.
  if (path.length === 2 && head === 'access' && ACCESS_KEYS.has(sub!)) return `(${d}.access -> '${sub}')`
  throw invalid(`unknown document field ${JSON.stringify(path.slice(0, 4)).slice(0, 200)}`)
}

/** Compiles `cond` against the document row aliased `d`; values go into `params`. */
export function compileAccessCondition(cond: AccessCondition, d: string, params: SqlParams): string {
  const budget = { nodes: 0, values: 0 }
  const values = (list: unknown): Scalar[] => {
    if (!Array.isArray(list)) throw invalid('"values" is an array')
    if (list.length > ACCESS_LIMITS.maxListValues) throw invalid(`a list holds at most ${ACCESS_LIMITS.maxListValues} values`)
    budget.values += list.length
    if (budget.values > ACCESS_LIMITS.maxTotalValues) throw invalid(`more than ${ACCESS_LIMITS.maxTotalValues} values in all`)
    for (const v of list) {
      const problem = scalarProblem(v, ACCESS_LIMITS.maxStringLength)
      if (problem) throw invalid(problem)
    }
    return list as Scalar[]
  }
  const scalar = (v: unknown, nullable: boolean): Scalar | null => {
    if (v === null && nullable) return null
    const problem = scalarProblem(v, ACCESS_LIMITS.maxStringLength)
    if (problem) throw invalid(problem)
    if (++budget.values > ACCESS_LIMITS.maxTotalValues) throw invalid(`more than ${ACCESS_LIMITS.maxTotalValues} values in all`)
    return v as Scalar
  }
  const walk = (c: unknown, depth: number): string => {
    if (depth > ACCESS_LIMITS.maxDepth) throw invalid(`nesting deeper than ${ACCESS_LIMITS.maxDepth}`)
    if (++budget.nodes > ACCESS_LIMITS.maxNodes) throw invalid(`more than ${ACCESS_LIMITS.maxNodes} nodes`)
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw invalid('each node is an object')
    const node = c as Record<string, unknown>
    switch (node.op) {
      case 'true':
        return 'true'
      case 'false':
        return 'false'
      case 'and':
      case 'or': {
        const args = node.args
        if (!Array.isArray(args)) throw invalid(`"${node.op}" takes an "args" array`)
        if (args.length > ACCESS_LIMITS.maxNodes) throw invalid(`more than ${ACCESS_LIMITS.maxNodes} nodes`)
        if (args.length === 0) return node.op === 'and' ? 'true' : 'false'
        return `(${args.map((a) => walk(a, depth + 1)).join(node.op === 'and' ? ' AND ' : ' OR ')})`
      }
      case 'not':
        return `(NOT ${walk(node.arg, depth + 1)})`
      case 'eq':
      case 'ne':
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        const expr = fieldSql(node.field, d, params)
        const v = scalar(node.value, true)
        if (node.op !== 'eq' && node.op !== 'ne' && (v === null || typeof v === 'boolean')) throw invalid(`"${node.op}" compares numbers or strings`)
        return compareSql(expr, node.op, v, params)
      }
      case 'in':
        return inSql(fieldSql(node.field, d, params), values(node.values), params)
      case 'contains':
        return containsSql(fieldSql(node.field, d, params), scalar(node.value, false) as Scalar, params)
      case 'overlaps':
        return overlapsSql(fieldSql(node.field, d, params), values(node.values), params)
      default:
        throw invalid('op is one of true, false, and, or, not, eq, ne, lt, lte, gt, gte, in, contains, overlaps')
    }
  }
  return walk(cond, 1)
}
