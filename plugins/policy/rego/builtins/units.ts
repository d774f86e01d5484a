/**
 * units.parse and units.parse_bytes. Amounts are computed as exact decimal rationals so
 * "0.0000005M" is exactly 0.5 and "10ei" keeps all 20 digits.
 */
import { num, type Value } from '../value.ts'
import { builtinError, def, str } from './args.ts'
import type { BuiltinDef } from './contract.ts'

const pow = (b: bigint, e: number): bigint => b ** BigInt(e)

/** Multipliers as [numerator, denominator]. */
const SI: Record<string, [bigint, bigint]> = {
  '': [1n, 1n], k: [pow(10n, 3), 1n], m: [pow(10n, 6), 1n], g: [pow(10n, 9), 1n], t: [pow(10n, 12), 1n], p: [pow(10n, 15), 1n], e: [pow(10n, 18), 1n],
  ki: [pow(2n, 10), 1n], mi: [pow(2n, 20), 1n], gi: [pow(2n, 30), 1n], ti: [pow(2n, 40), 1n], pi: [pow(2n, 50), 1n], ei: [pow(2n, 60), 1n],
}

interface Parsed { n: bigint; d: bigint; suffix: string }

function parseAmount(name: string, raw: string, what: string): Parsed {
  const s = raw.replace(/^"(.*)"$/, '$1')
  if (s.includes(' ')) throw builtinError(name, 'spaces not allowed in resource strings')
  const m = /^(-?)([0-9.]*)(?:[eE]([+-]?\d+))?(.*)$/.exec(s) as RegExpExecArray
  const [, sign, digits, expText, suffix] = m
  if (digits === '' || digits === '.') throw builtinError(name, `no ${what} provided`)
  if ((digits.match(/\./g) ?? []).length > 1) throw builtinError(name, `could not parse ${what} to a number`)
  const [whole, frac = ''] = digits.split('.')
  let n = BigInt((sign + (whole + frac || '0')).replace(/^-$/, '0'))
  let d = 1n
  const exp = Number(expText ?? 0) - frac.length
  if (exp >= 0) n *= pow(10n, exp)
  else d = pow(10n, -exp)
  return { n, d, suffix }
}

function result(n: bigint, d: bigint, truncate: boolean): Value {
  if (n % d === 0n) return num(n / d)
  if (truncate) return num(n / d)
  return num(Number(n) / Number(d))
}

function parseUnits(raw: string): Value {
  const { n, d, suffix } = parseAmount('units.parse', raw, 'amount')
  const mult = suffix === 'm' ? ([1n, 1000n] as [bigint, bigint]) : SI[suffix.toLowerCase()]
  if (!mult) throw builtinError('units.parse', `unknown unit: ${JSON.stringify(suffix)}`)
  return result(n * mult[0], d * mult[1], false)
}

function parseBytes(raw: string): Value {
  const { n, d, suffix } = parseAmount('units.parse_bytes', raw, 'byte amount')
  const unit = suffix.toLowerCase().replace(/b$/, '')
  const mult = SI[unit]
  if (!mult) throw builtinError('units.parse_bytes', `byte unit ${JSON.stringify(suffix)} not recognized`)
  return result(n * mult[0], d * mult[1], true)
}

export const UNIT_BUILTINS: BuiltinDef[] = [
  def('units.parse', 1, ([s]) => parseUnits(str('units.parse', s, 1))),
  def('units.parse_bytes', 1, ([s]) => parseBytes(str('units.parse_bytes', s, 1))),
]
