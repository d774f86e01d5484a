/** A direct JS evaluator of AccessCondition (src/contracts/filter.ts semantics), for property tests. */
import type { AccessCondition, DocField } from '../../src/contracts/filter.ts'

function get(doc: unknown, f: DocField): unknown {
  let v: unknown = doc
  for (const k of f.path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !(k in (v as object))) return undefined
    v = (v as Record<string, unknown>)[k]
  }
  return v
}

const rank = (v: unknown): number => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : typeof v === 'string' ? 3 : Array.isArray(v) ? 4 : 5)

/** Rego's order for scalars against scalars; composites only by type rank (enough for scalar values). */
function compare(a: unknown, b: unknown): number {
  const ra = rank(a), rb = rank(b)
  if (ra !== rb) return ra - rb
  if (ra === 0) return 0
  if (ra <= 3) return (a as any) < (b as any) ? -1 : (a as any) > (b as any) ? 1 : 0
  return 1 // a composite against a scalar-typed value never happens with ra === rb here
}

const elements = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : v !== null && typeof v === 'object' ? Object.values(v) : undefined)

export function evalAccessCondition(c: AccessCondition, doc: unknown): boolean {
  switch (c.op) {
    case 'true': return true
    case 'false': return false
    case 'and': return c.args.every((a) => evalAccessCondition(a, doc))
    case 'or': return c.args.some((a) => evalAccessCondition(a, doc))
    case 'not': return !evalAccessCondition(c.arg, doc)
    case 'in': { const v = get(doc, c.field); return v !== undefined && c.values.some((x) => compare(v, x) === 0) }
    case 'contains': { const es = elements(get(doc, c.field)); return !!es && es.some((e) => compare(e, c.value) === 0) }
    case 'overlaps': { const es = elements(get(doc, c.field)); return !!es && es.some((e) => c.values.some((x) => compare(e, x) === 0)) }
    default: {
      const v = get(doc, c.field)
      if (v === undefined) return false
      const d = compare(v, c.value)
      const eq = d === 0 && rank(v) <= 3
      switch (c.op) {
        case 'eq': return eq
        case 'ne': return !eq
        case 'lt': return d < 0
        case 'lte': return d <= 0
        case 'gt': return d > 0
        case 'gte': return d >= 0
      }
    }
  }
  return false
}
