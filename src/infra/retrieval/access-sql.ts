/**
 * Access condition (policy partial evaluation's residual, src/contracts/filter.ts) → a parameterised
 * SQL predicate over the document row, with exactly the contract's (Rego's) semantics, so a query
 * returns the documents evaluating the policy one by one would allow:
 * - a field is a jsonb expression over the row, SQL NULL when the document lacks it (undefined);
 * - every leaf is two-valued: false on an undefined field, so `not` is plain boolean negation;
 * - eq/ne/lt/... order across types as Rego does (null < boolean < number < string < array <
 *   object), strings in code-point order (COLLATE "C": UTF-8 byte order, Go's string order);
 * - contains/overlaps read an array's elements, or an object's values.
 * A field the row cannot have is refused (RAG_ACCESS_CONDITION_INVALID) rather than read as
 * undefined: a typo in a policy must fail loudly, never widen or narrow access silently.
 *
 * The condition is machine-made but derived from tenant policies, so it is bounded like a filter
 * (depth, nodes, values) and its values are parameters, never SQL text.
 */
import type { AccessCondition, DocField, Scalar } from '../../contracts/filter.ts'
import { RagStoreErrors } from './errors.ts'
import { METADATA_KEY_RE } from './filter-sql.ts'
import { scalarProblem, type SqlParams } from './predicate-sql.ts'

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
  metadata: (d) => `${d}.metadata`,
  access: (d) => `${d}.access`,
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

/** Rego's order of types; a document field can be any of them, a condition's value only a scalar or null. */
const typeRank = (e: string) =>
  `(CASE jsonb_typeof(${e}) WHEN 'null' THEN 0 WHEN 'boolean' THEN 1 WHEN 'number' THEN 2 WHEN 'string' THEN 3 WHEN 'array' THEN 4 ELSE 5 END)`
const rankOf = (v: Scalar | null) => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : 3)
const RANGE_SQL = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const

function eqSql(e: string, v: Scalar | null, params: SqlParams): string {
  // jsonb equality is type-exact (1 = 1.0 numerically, "1" <> 1); an array or object never equals a scalar.
  return `COALESCE(${e} = ${params.add(JSON.stringify(v))}::jsonb, false)`
}

function compareSql(e: string, op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte', v: Scalar | null, params: SqlParams): string {
  if (op === 'eq') return eqSql(e, v, params)
  if (op === 'ne') return `(${e} IS NOT NULL AND NOT ${eqSql(e, v, params)})`
  const sym = RANGE_SQL[op]
  const rank = rankOf(v)
  // Same type: jsonb orders null, booleans (false < true) and numbers (numerically) correctly;
  // strings it compares in the database's collation, so they are compared as text in "C".
  const same =
    rank === 3
      ? `(${e} #>> '{}') COLLATE "C" ${sym} ${params.add(v)}::text COLLATE "C"`
      : `${e} ${sym} ${params.add(JSON.stringify(v))}::jsonb`
  return `COALESCE(CASE WHEN ${e} IS NULL THEN false WHEN ${typeRank(e)} <> ${rank} THEN ${typeRank(e)} ${sym} ${rank} ELSE ${same} END, false)`
}

/** The field equals one of `values` (scalars): only a scalar field can. */
function inSql(e: string, values: Scalar[], params: SqlParams): string {
  return `COALESCE(jsonb_typeof(${e}) NOT IN ('array', 'object') AND ${params.add(JSON.stringify(values))}::jsonb @> jsonb_build_array(${e}), false)`
}

/**
 * The field's elements (an array's, an object's values) include `value`. For arrays, jsonb
 * containment: exact for arrays of scalars, which is all a stored document holds (users, groups).
 * CASE, not AND: the set-returning functions must never see another type.
 */
function containsSql(e: string, value: Scalar, params: SqlParams): string {
  const v = params.add(JSON.stringify(value))
  return `(CASE jsonb_typeof(${e}) WHEN 'array' THEN ${e} @> jsonb_build_array(${v}::jsonb) WHEN 'object' THEN EXISTS (SELECT 1 FROM jsonb_each(${e}) AS o(k, v) WHERE o.v = ${v}::jsonb) ELSE false END)`
}

/** The field's elements share at least one with `values`. */
function overlapsSql(e: string, values: Scalar[], params: SqlParams): string {
  const list = params.add(JSON.stringify(values))
  return `(CASE jsonb_typeof(${e}) WHEN 'array' THEN EXISTS (SELECT 1 FROM jsonb_array_elements(${e}) AS el(v) WHERE ${list}::jsonb @> jsonb_build_array(el.v)) WHEN 'object' THEN EXISTS (SELECT 1 FROM jsonb_each(${e}) AS o(k, v) WHERE ${list}::jsonb @> jsonb_build_array(o.v)) ELSE false END)`
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
        return compareSql(expr, node.op, scalar(node.value, true), params)
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
