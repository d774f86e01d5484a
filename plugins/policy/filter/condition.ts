/**
 * Builds AccessConditions (src/contracts/filter.ts) for the partial evaluator, simplifying as it
 * goes and charging every node and value to one budget: a policy iterating over a huge known
 * collection must stop with an error, not build a condition the database cannot take.
 */
import type { AccessCondition, DocField, Scalar } from '../../../src/contracts/filter.ts'

export const TRUE_C: AccessCondition = { op: 'true' }
export const FALSE_C: AccessCondition = { op: 'false' }

/** Thrown when the output would exceed its node budget; the caller maps it to an error. */
export class ConditionTooLarge extends Error {
  constructor(readonly maxNodes: number) {
    super(`partial evaluation exceeded ${maxNodes} condition nodes`)
  }
}

const fieldKey = (f: DocField) => JSON.stringify(f.path)
/** Leaves dedupe by content; composites by identity (their text can be as large as the budget). */
const condKey = (c: AccessCondition): AccessCondition | string => (c.op === 'and' || c.op === 'or' || c.op === 'not' ? c : JSON.stringify(c))

export class ConditionBuilder {
  /** Nodes and values created so far (intermediate ones included: they cost memory too). */
  used = 0
  constructor(readonly maxNodes: number) {}

  charge(n: number): void {
    this.used += n
    if (this.used > this.maxNodes) throw new ConditionTooLarge(this.maxNodes)
  }

  readonly #sizes = new WeakMap<AccessCondition, number>()

  /**
   * Charges a condition placed once more into the output (a memoised rule used twice). Its tree
   * size counts, not the shared object: a chain of rules each using the previous one twice
   * doubles the output at every step, which must hit the budget, not the heap.
   */
  embed(c: AccessCondition): AccessCondition {
    this.charge(this.size(c))
    return c
  }

  /** Tree size (nodes and listed values), memoised per object so shared subtrees are measured once. */
  size(c: AccessCondition): number {
    let n = this.#sizes.get(c)
    if (n !== undefined) return n
    switch (c.op) {
      case 'and':
      case 'or':
        n = 1
        for (const a of c.args) n += this.size(a)
        break
      case 'not':
        n = 1 + this.size(c.arg)
        break
      case 'in':
      case 'overlaps':
        n = 1 + c.values.length
        break
      default:
        n = 1
    }
    this.#sizes.set(c, n)
    return n
  }

  leaf(c: AccessCondition): AccessCondition {
    this.charge(1 + ('values' in c ? c.values.length : 0))
    return c
  }

  not(arg: AccessCondition): AccessCondition {
    if (arg.op === 'true') return FALSE_C
    if (arg.op === 'false') return TRUE_C
    if (arg.op === 'not') return arg.arg
    this.charge(1)
    return { op: 'not', arg }
  }

  and(args: AccessCondition[]): AccessCondition {
    const out: AccessCondition[] = []
    const seen = new Set<AccessCondition | string>()
    for (const a of flatten('and', args)) {
      if (a.op === 'false') return FALSE_C
      if (a.op === 'true') continue
      const key = condKey(a)
      if (!seen.has(key)) seen.add(key), out.push(a)
    }
    if (out.length === 0) return TRUE_C
    if (out.length === 1) return out[0]
    this.charge(1)
    return { op: 'and', args: out }
  }

  /**
   * Disjunction. Membership tests on one field are merged (`contains` ones into `overlaps`,
   * scalar `eq` ones into `in`), which is what iterating a known collection produces.
   */
  or(args: AccessCondition[]): AccessCondition {
    const out: AccessCondition[] = []
    const seen = new Set<AccessCondition | string>()
    const members = new Map<string, { field: DocField; values: Map<string, Scalar> }>() // overlaps
    const ins = new Map<string, { field: DocField; values: Map<string, Scalar> }>()
    const add = (m: typeof members, field: DocField, vs: Scalar[]) => {
      const k = fieldKey(field)
      let e = m.get(k)
      if (!e) m.set(k, (e = { field, values: new Map() }))
      for (const v of vs) e.values.set(JSON.stringify(v), v)
    }
    for (const a of flatten('or', args)) {
      if (a.op === 'true') return TRUE_C
      if (a.op === 'false') continue
      if (a.op === 'contains') add(members, a.field, [a.value])
      else if (a.op === 'overlaps') add(members, a.field, a.values)
      else if (a.op === 'in') add(ins, a.field, a.values)
      else if (a.op === 'eq' && a.value !== null) add(ins, a.field, [a.value])
      else {
        const key = condKey(a)
        if (!seen.has(key)) seen.add(key), out.push(a)
      }
    }
    for (const { field, values } of members.values()) {
      const vs = [...values.values()]
      out.push(vs.length === 1 ? { op: 'contains', field, value: vs[0] } : { op: 'overlaps', field, values: vs })
    }
    for (const { field, values } of ins.values()) {
      const vs = [...values.values()]
      out.push(vs.length === 1 ? { op: 'eq', field, value: vs[0] } : { op: 'in', field, values: vs })
    }
    if (out.length === 0) return FALSE_C
    if (out.length === 1) return out[0]
    this.charge(1)
    return { op: 'or', args: out }
  }
}

function flatten(op: 'and' | 'or', args: AccessCondition[]): AccessCondition[] {
  const out: AccessCondition[] = []
  for (const a of args) {
    if (a.op === op) out.push(...a.args)
    else out.push(a)
  }
  return out
}

/** Nodes and values of a condition (what the budget counts). */
export function conditionSize(c: AccessCondition): number {
  switch (c.op) {
    case 'and':
    case 'or':
      return 1 + c.args.reduce((n, a) => n + conditionSize(a), 0)
    case 'not':
      return 1 + conditionSize(c.arg)
    case 'in':
    case 'overlaps':
      return 1 + c.values.length
    default:
      return 1
  }
}
