/**
 * An AccessCondition in the shape of OPA's Compile API result (`POST /v1/compile`): a list of
 * queries, any of which may hold (OR), each a list of expressions that must all hold (AND), in
 * OPA's AST JSON (`{index, terms}`, `negated` for `not`). `[[]]` is "always", no queries "never".
 *
 * OPA keeps a negated disjunction in `support` modules; here `not` is pushed down to the leaves
 * (De Morgan), so every query is self-contained and `support` stays empty. The expansion into
 * disjunctive normal form can grow exponentially, so it is bounded.
 */
import type { AccessCondition, Scalar } from '../../../src/contracts/filter.ts'
import { PolicyErrors } from '../errors.ts'

type J = Record<string, unknown>
type Literal = { c: AccessCondition; negated: boolean }

export const MAX_DNF_EXPRESSIONS = 10_000

const scalarTerm = (v: Scalar | null): J => (v === null ? { type: 'null' } : { type: typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : 'boolean', value: v })
const op = (name: string): J => ({ type: 'ref', value: name.split('.').map((s, i) => (i === 0 ? { type: 'var', value: s } : { type: 'string', value: s })) })
const OPS = { eq: 'equal', ne: 'neq', lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte' } as const

function cancel(): never {
  throw PolicyErrors.evaluation([{ code: 'eval_cancel_error', message: `partial evaluation result exceeds ${MAX_DNF_EXPRESSIONS} expressions in disjunctive form` }])
}

/** Disjunctive normal form: OR of ANDs of (possibly negated) leaves. */
function dnf(c: AccessCondition, negated: boolean, budget: { left: number }): Literal[][] {
  switch (c.op) {
    case 'true':
      return negated ? [] : [[]]
    case 'false':
      return negated ? [[]] : []
    case 'not':
      return dnf(c.arg, !negated, budget)
    case 'and':
    case 'or': {
      const parts = c.args.map((a) => dnf(a, negated, budget))
      // and, or `not (a or b)`: the product of the parts; or, or `not (a and b)`: their union.
      if ((c.op === 'and') !== negated) {
        let acc: Literal[][] = [[]]
        for (const p of parts) {
          const next: Literal[][] = []
          for (const x of acc) for (const y of p) {
            budget.left -= x.length + y.length
            if (budget.left < 0) cancel()
            next.push([...x, ...y])
          }
          acc = next
        }
        return acc
      }
      return parts.flat()
    }
    case 'overlaps':
      // `not overlaps` is every value absent: one conjunction; `overlaps` is any value present.
      if (negated) return [c.values.map((value) => ({ c: { op: 'contains', field: c.field, value }, negated: true }))]
      return c.values.map((value) => [{ c: { op: 'contains', field: c.field, value }, negated: false }])
    default:
      return [[{ c, negated }]]
  }
}

function expression(l: Literal, index: number, unknown: string[]): J {
  const c = l.c
  const field = (path: string[]): J => ({ type: 'ref', value: [{ type: 'var', value: 'input' }, ...[...unknown, ...path].map((s) => ({ type: 'string', value: s }))] })
  let terms: unknown
  switch (c.op) {
    case 'in':
      terms = [op('internal.member_2'), field(c.field.path), { type: 'array', value: c.values.map(scalarTerm) }]
      break
    case 'contains':
      terms = [op('internal.member_2'), scalarTerm(c.value), field(c.field.path)]
      break
    case 'eq':
    case 'ne':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      // `ne false` is how a bare field (Rego truthiness) comes out: render it as the bare ref.
      terms = c.op === 'ne' && c.value === false ? field(c.field.path) : [op(OPS[c.op]), field(c.field.path), scalarTerm(c.value)]
      break
    default:
      throw new Error(`unexpected leaf ${c.op}`)
  }
  return l.negated ? { index, negated: true, terms } : { index, terms }
}

/** OPA's `result` object of the Compile API for a condition on the unknown `input.<unknown...>`. */
export function toOpaCompileResult(c: AccessCondition, unknown: string[]): { queries?: J[][] } {
  const queries = dnf(c, false, { left: MAX_DNF_EXPRESSIONS })
  if (queries.length === 0) return {}
  return { queries: queries.map((q) => q.map((l, i) => expression(l, i, unknown))) }
}
