/** count, sum, product, max, min, sort, all/any and the `in` operator (internal.member_2/3). */
import { arr, bool, compare, equal, isInt, num, objGet, setHas, toNumber, type Value } from '../value.ts'
import { collection, def, operandError, oneOf } from './args.ts'
import type { BuiltinDef } from './contract.ts'

const runeCount = (s: string): number => {
  let n = 0
  for (const _ of s) n++
  return n
}

function numbers(name: string, v: Value): Value[] {
  const items = collection(name, v, 1)
  for (const x of items) if (x.type !== 'number') throw operandError(name, 1, `${v.type} of numbers`, `${v.type} containing ${x.type}`)
  return [...items]
}

function fold(name: string, v: Value, unit: bigint, ints: (a: bigint, b: bigint) => bigint, floats: (a: number, b: number) => number): Value {
  let acc = unit
  let facc: number | undefined
  for (const x of numbers(name, v)) {
    if (x.type !== 'number') continue
    if (facc === undefined && isInt(x)) acc = ints(acc, x.int)
    else facc = floats(facc ?? Number(acc), toNumber(x))
  }
  return facc === undefined ? num(acc) : num(facc)
}

function extreme(name: string, v: Value, sign: number): Value | undefined {
  const items = collection(name, v, 1)
  let best: Value | undefined
  for (const x of items) if (best === undefined || compare(x, best) * sign > 0) best = x
  return best
}

function truthy(name: string, v: Value, want: 'all' | 'any'): Value {
  const items = collection(name, v, 1)
  const isTrue = (x: Value) => x.type === 'boolean' && x.value
  return bool(want === 'all' ? items.every(isTrue) : items.some(isTrue))
}

function member2(x: Value, c: Value): boolean {
  switch (c.type) {
    case 'array':
      return c.items.some((y) => equal(x, y))
    case 'set':
      return setHas(c, x)
    case 'object':
      return [...c.entries.values()].some(([, y]) => equal(x, y))
    default:
      return false
  }
}

function member3(k: Value, x: Value, c: Value): boolean {
  if (c.type === 'object') {
    const y = objGet(c, k)
    return y !== undefined && equal(x, y)
  }
  if (c.type === 'array') {
    if (k.type !== 'number' || !isInt(k) || k.int < 0n || k.int >= BigInt(c.items.length)) return false
    return equal(x, c.items[Number(k.int)])
  }
  return false
}

export const AGGREGATE_BUILTINS: BuiltinDef[] = [
  def('count', 1, ([v]) => {
    switch (v.type) {
      case 'string':
        return num(runeCount(v.value))
      case 'array':
        return num(v.items.length)
      case 'set':
        return num(v.items.size)
      case 'object':
        return num(v.entries.size)
      default:
        throw operandError('count', 1, oneOf(['array', 'object', 'set', 'string']), v)
    }
  }),
  def('sum', 1, ([v]) => fold('sum', v, 0n, (a, b) => a + b, (a, b) => a + b)),
  def('product', 1, ([v]) => fold('product', v, 1n, (a, b) => a * b, (a, b) => a * b)),
  def('max', 1, ([v]) => extreme('max', v, 1)),
  def('min', 1, ([v]) => extreme('min', v, -1)),
  def('sort', 1, ([v]) => arr([...collection('sort', v, 1)].sort(compare))),
  def('all', 1, ([v]) => truthy('all', v, 'all')),
  def('any', 1, ([v]) => truthy('any', v, 'any')),
  def('internal.member_2', 2, ([x, c]) => bool(member2(x, c))),
  def('internal.member_3', 3, ([k, x, c]) => bool(member3(k, x, c))),
]
