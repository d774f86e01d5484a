/** Arithmetic operators, comparisons, rounding, bits.*, numbers.range*, rand.intn. Integers stay exact (bigint). */
import { bool, compare, equal, isInt, num, set, toNumber, type NumV, type Value } from '../value.ts'
import { builtinError, def, intArg, numArg, operandError, setArg, typeError } from './args.ts'
import type { BuiltinDef } from './contract.ts'

/**
 * numbers.range/range_step refuse to build more than this many elements, so one runaway policy
 * cannot exhaust the process's memory; such calls fail with eval_builtin_error.
 */
export const MAX_RANGE_ELEMENTS = 10_000_000n

const asFloat = (n: NumV): number => toNumber(n)

function arith(name: string, a: Value, b: Value, ints: (x: bigint, y: bigint) => bigint, floats: (x: number, y: number) => number): Value {
  const x = numArg(name, a, 1)
  const y = numArg(name, b, 2)
  if (isInt(x) && isInt(y)) return num(ints(x.int, y.int))
  return floatResult(name, floats(asFloat(x), asFloat(y)))
}

function floatResult(name: string, f: number): Value {
  if (!Number.isFinite(f)) throw builtinError(name, 'arithmetic result is not a finite number')
  return num(f)
}

function minus(args: Value[]): Value {
  const [a, b] = args
  if (a.type === 'set' && b.type === 'set') return set([...a.items].filter(([k]) => !b.items.has(k)).map(([, v]) => v))
  if (a.type === 'number' && b.type === 'number') return arith('minus', a, b, (x, y) => x - y, (x, y) => x - y)
  if (a.type !== 'number' && a.type !== 'set') throw operandError('minus', 1, 'one of {number, set}', a)
  if (b.type !== 'number' && b.type !== 'set') throw operandError('minus', 2, 'one of {number, set}', b)
  throw operandError('minus', 2, a.type, b)
}

function div(args: Value[]): Value {
  const x = numArg('div', args[0], 1)
  const y = numArg('div', args[1], 2)
  if (asFloat(y) === 0) throw builtinError('div', 'divide by zero')
  if (isInt(x) && isInt(y) && x.int % y.int === 0n) return num(x.int / y.int)
  return floatResult('div', asFloat(x) / asFloat(y))
}

function rem(args: Value[]): Value {
  const x = numArg('rem', args[0], 1)
  const y = numArg('rem', args[1], 2)
  const xi = integral(x)
  const yi = integral(y)
  if (xi === undefined || yi === undefined) throw builtinError('rem', 'modulo on floating-point number')
  if (yi === 0n) throw builtinError('rem', 'modulo by zero')
  return num(xi % yi)
}

function integral(n: NumV): bigint | undefined {
  if (n.int !== undefined) return n.int
  return Number.isInteger(n.float) ? BigInt(n.float as number) : undefined
}

function round(name: string, f: (x: number) => number) {
  return (args: Value[]): Value => {
    const n = numArg(name, args[0], 1)
    if (isInt(n)) return n
    return num(f(n.float as number))
  }
}

/** Go's math.Round: half away from zero. */
const roundHalfAway = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x))

function range(name: string, a: bigint, b: bigint, step: bigint): Value {
  const size = (a > b ? a - b : b - a) / step + 1n
  if (size > MAX_RANGE_ELEMENTS) throw builtinError(name, `range of ${size} elements exceeds the limit of ${MAX_RANGE_ELEMENTS}`)
  const out: Value[] = []
  if (a <= b) for (let i = a; i <= b; i += step) out.push(num(i))
  else for (let i = a; i >= b; i -= step) out.push(num(i))
  return { type: 'array', items: out }
}

const cmp = (name: string, test: (c: number) => boolean) => def(name, 2, (args) => bool(test(compare(args[0], args[1]))))

function bitsArgs(name: string, args: Value[]): bigint[] {
  return args.map((v, i) => intArg(name, v, i + 1))
}

function shiftAmount(name: string, v: Value): bigint {
  const s = intArg(name, v, 2)
  if (s < 0n) throw typeError(name, 'operand 2 must be an unsigned integer number but got a negative integer')
  return s
}

function randIntn(args: Value[], ctx: { cache: Map<string, unknown> }): Value {
  const seed = args[0]
  if (seed.type !== 'string') throw operandError('rand.intn', 1, 'string', seed)
  const n = intArg('rand.intn', args[1], 2)
  if (n === 0n) return num(0)
  const bound = n < 0n ? -n : n
  const key = `rand.intn:${seed.value}:${bound}`
  let r = ctx.cache.get(key) as bigint | undefined
  if (r === undefined) {
    r = BigInt(Math.floor(Math.random() * Number(bound)))
    ctx.cache.set(key, r)
  }
  return num(r)
}

export const NUMBER_BUILTINS: BuiltinDef[] = [
  def('plus', 2, ([a, b]) => arith('plus', a, b, (x, y) => x + y, (x, y) => x + y)),
  def('minus', 2, minus),
  def('mul', 2, ([a, b]) => arith('mul', a, b, (x, y) => x * y, (x, y) => x * y)),
  def('div', 2, div),
  def('rem', 2, rem),
  def('abs', 1, ([a]) => {
    const n = numArg('abs', a, 1)
    return isInt(n) ? num(n.int < 0n ? -n.int : n.int) : num(Math.abs(n.float as number))
  }),
  def('round', 1, round('round', roundHalfAway)),
  def('ceil', 1, round('ceil', Math.ceil)),
  def('floor', 1, round('floor', Math.floor)),
  def('equal', 2, ([a, b]) => bool(equal(a, b))),
  def('neq', 2, ([a, b]) => bool(!equal(a, b))),
  cmp('lt', (c) => c < 0),
  cmp('lte', (c) => c <= 0),
  cmp('gt', (c) => c > 0),
  cmp('gte', (c) => c >= 0),
  def('and', 2, ([a, b]) => {
    const x = setArg('and', a, 1)
    const y = setArg('and', b, 2)
    return set([...x.items].filter(([k]) => y.items.has(k)).map(([, v]) => v))
  }),
  def('or', 2, ([a, b]) => {
    const x = setArg('or', a, 1)
    const y = setArg('or', b, 2)
    return set([...x.items.values(), ...y.items.values()])
  }),
  // Deprecated alias of set difference, kept for old policies.
  def('set_diff', 2, ([a, b]) => {
    const x = setArg('set_diff', a, 1)
    const y = setArg('set_diff', b, 2)
    return set([...x.items].filter(([k]) => !y.items.has(k)).map(([, v]) => v))
  }),
  def('numbers.range', 2, ([a, b]) => range('numbers.range', intArg('numbers.range', a, 1), intArg('numbers.range', b, 2), 1n)),
  def('numbers.range_step', 3, ([a, b, s]) => {
    const step = intArg('numbers.range_step', s, 3)
    if (step <= 0n) throw builtinError('numbers.range_step', 'step must be a positive integer')
    return range('numbers.range_step', intArg('numbers.range_step', a, 1), intArg('numbers.range_step', b, 2), step)
  }),
  def('bits.and', 2, (args) => { const [x, y] = bitsArgs('bits.and', args); return num(x & y) }),
  def('bits.or', 2, (args) => { const [x, y] = bitsArgs('bits.or', args); return num(x | y) }),
  def('bits.xor', 2, (args) => { const [x, y] = bitsArgs('bits.xor', args); return num(x ^ y) }),
  def('bits.negate', 1, (args) => num(~bitsArgs('bits.negate', args)[0])),
  def('bits.lsh', 2, ([a, b]) => num(intArg('bits.lsh', a, 1) << shiftAmount('bits.lsh', b))),
  def('bits.rsh', 2, ([a, b]) => num(intArg('bits.rsh', a, 1) >> shiftAmount('bits.rsh', b))),
  def('rand.intn', 2, randIntn),
]
