/**
 * sprintf with Go fmt verbs. Arguments are converted as OPA converts them before calling Go's
 * fmt.Sprintf: int64-sized integers are Go ints, larger ones big.Ints, other numbers float64,
 * strings stay strings and every other value becomes its Rego text. Mismatched verbs print Go's
 * "%!verb(type=value)" markers.
 */
import { str as strV, type Value } from '../value.ts'
import { arrArg, builtinError, def, str } from './args.ts'
import type { BuiltinDef } from './contract.ts'
import { utf8 } from './go-text.ts'
import { regoText } from './rego-text.ts'

type Arg = { kind: 'int' | 'bigint'; v: bigint } | { kind: 'float'; v: number } | { kind: 'string'; v: string }

/** Bounds the memory one format verb can ask for ("%999999999d"). */
const MAX_WIDTH = 1 << 16

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

function convert(v: Value): Arg {
  if (v.type === 'number') {
    if (v.int !== undefined) {
      // Beyond float64 range OPA still holds the literal's text (e.g. "2e308"); print that form.
      if (!Number.isFinite(Number(v.int))) return { kind: 'string', v: exponentText(v.int) }
      return { kind: v.int >= INT64_MIN && v.int <= INT64_MAX ? 'int' : 'bigint', v: v.int }
    }
    return { kind: 'float', v: v.float as number }
  }
  if (v.type === 'string') return { kind: 'string', v: v.value }
  return { kind: 'string', v: regoText(v) }
}

function exponentText(n: bigint): string {
  const digits = n.toString()
  const trimmed = digits.replace(/0+$/, '')
  const zeros = digits.length - trimmed.length
  return zeros === 0 ? digits : `${trimmed}e${zeros}`
}

interface Spec { plus: boolean; minus: boolean; sharp: boolean; space: boolean; zero: boolean; width?: number; prec?: number; verb: string }

const goTypeName = (a: Arg): string => ({ int: 'int', bigint: '*big.Int', float: 'float64', string: 'string' })[a.kind]

function bad(s: Spec, a: Arg): string {
  return `%!${s.verb}(${goTypeName(a)}=${plain(a)})`
}

function plain(a: Arg): string {
  if (a.kind === 'float') return goFloat(a.v, 'g', undefined)
  return String(a.v)
}

/** Go's strconv.FormatFloat for 'e', 'f', 'g' (shortest when prec is undefined). */
export function goFloat(f: number, verb: 'e' | 'f' | 'g', prec: number | undefined): string {
  if (Number.isNaN(f)) return 'NaN'
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf'
  const fixExp = (s: string) => s.replace(/e([+-])(\d)$/, 'e$10$2')
  if (verb === 'f') return prec === undefined ? shortestFixed(f) : fixed(f, prec)
  if (verb === 'e') return fixExp(prec === undefined ? f.toExponential() : f.toExponential(Math.min(prec, MAX_JS_DIGITS)))
  if (prec === undefined) {
    const exp = f === 0 ? 0 : Number(f.toExponential().split('e')[1])
    return exp < -4 || exp >= 6 ? fixExp(f.toExponential()) : shortestFixed(f)
  }
  const p = Math.min(prec === 0 ? 1 : prec, MAX_JS_DIGITS)
  const e = f.toExponential(p - 1)
  const exp = Number(e.split('e')[1])
  if (exp < -4 || exp >= p) return fixExp(e.replace(/\.?0+e/, 'e'))
  return String(Number(f.toPrecision(p)))
}

/** JS caps toFixed/toExponential/toPrecision at 100 digits; beyond that the extra digits are zeros. */
const MAX_JS_DIGITS = 100

function fixed(f: number, prec: number): string {
  return prec <= MAX_JS_DIGITS ? f.toFixed(prec) : f.toFixed(MAX_JS_DIGITS) + '0'.repeat(prec - MAX_JS_DIGITS)
}

function shortestFixed(f: number): string {
  const s = String(f)
  if (!/e/.test(s)) return s
  return f.toFixed(20).replace(/\.?0+$/, '')
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const width = spec.width ?? 0
  const len = Array.from(s).length
  if (len >= width) return s
  if (spec.minus) return s + ' '.repeat(width - len)
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : ''
    return sign + '0'.repeat(width - len) + s.slice(sign.length)
  }
  return ' '.repeat(width - len) + s
}

function signed(s: string, spec: Spec): string {
  if (s.startsWith('-')) return s
  return spec.plus ? '+' + s : spec.space ? ' ' + s : s
}

function formatInt(a: bigint, spec: Spec): string | undefined {
  const neg = a < 0n
  const abs = neg ? -a : a
  let body: string
  switch (spec.verb) {
    case 'd': case 'v': body = abs.toString(); break
    case 'b': body = abs.toString(2); break
    case 'o': body = (spec.sharp ? '0' : '') + abs.toString(8); break
    case 'O': body = '0o' + abs.toString(8); break
    case 'x': body = (spec.sharp ? '0x' : '') + abs.toString(16); break
    case 'X': body = (spec.sharp ? '0X' : '') + abs.toString(16).toUpperCase(); break
    case 'c': return pad(String.fromCodePoint(Number(a)), spec, false)
    case 'q': return pad(`'${String.fromCodePoint(Number(a))}'`, spec, false)
    case 'U': return pad('U+' + abs.toString(16).toUpperCase().padStart(4, '0'), spec, false)
    default: return undefined
  }
  if (spec.prec !== undefined) body = body.padStart(spec.prec, '0')
  return pad(signed((neg ? '-' : '') + body, spec), { ...spec, zero: spec.zero && spec.prec === undefined }, true)
}

function formatArg(a: Arg, spec: Spec): string {
  if (a.kind === 'int' || a.kind === 'bigint') {
    if (a.kind === 'bigint' && spec.verb === 's') return pad(a.v.toString(), spec, false)
    if (a.kind === 'bigint' && !'dvbxXo'.includes(spec.verb)) return bad(spec, a)
    return formatInt(a.v, spec) ?? bad(spec, a)
  }
  if (a.kind === 'float') {
    const v = spec.verb
    if (!'eEfFgGv'.includes(v)) return bad(spec, a)
    const base = v.toLowerCase() === 'v' ? 'g' : (v.toLowerCase() as 'e' | 'f' | 'g')
    const prec = spec.prec ?? (base === 'g' ? undefined : 6)
    let s = goFloat(a.v, base, prec)
    if (v === 'E' || v === 'G') s = s.toUpperCase()
    return pad(signed(s, spec), spec, true)
  }
  let s: string = (a as { v: string }).v
  switch (spec.verb) {
    case 's': case 'v':
      if (spec.prec !== undefined) s = Array.from(s).slice(0, spec.prec).join('')
      return pad(s, spec, false)
    case 'q': return pad(JSON.stringify(s), spec, false)
    case 'x': return pad(utf8(s).toString('hex'), spec, false)
    case 'X': return pad(utf8(s).toString('hex').toUpperCase(), spec, false)
    default: return bad(spec, a)
  }
}

export function sprintf(format: string, values: readonly Value[]): string {
  const args = values.map(convert)
  let out = ''
  let argi = 0
  const re = /%([+\-# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])?/y
  for (let i = 0; i < format.length; ) {
    const pct = format.indexOf('%', i)
    if (pct < 0) { out += format.slice(i); break }
    out += format.slice(i, pct)
    re.lastIndex = pct
    const m = re.exec(format) as RegExpExecArray
    i = re.lastIndex
    const [, flags, width, prec, verb] = m
    if (verb === undefined) { out += '%!(NOVERB)'; continue }
    if (verb === '%') { out += '%'; continue }
    if (Number(width ?? 0) > MAX_WIDTH || Number(prec ?? 0) > MAX_WIDTH) throw builtinError('sprintf', `width or precision over ${MAX_WIDTH}`)
    const spec: Spec = {
      plus: flags.includes('+'), minus: flags.includes('-'), sharp: flags.includes('#'), space: flags.includes(' '),
      zero: flags.includes('0') && !flags.includes('-'), width: width === undefined ? undefined : Number(width),
      prec: prec === undefined ? undefined : Number(prec || '0'), verb,
    }
    if (argi >= args.length) { out += `%!${verb}(MISSING)`; continue }
    const a = args[argi++]
    if (verb === 'T') { out += pad(goTypeName(a) === '*big.Int' ? '*big.Int' : goTypeName(a), spec, false); continue }
    if (verb === 't') { out += bad(spec, a); continue }
    out += formatArg(a, spec)
  }
  if (argi < args.length) out += '%!(EXTRA ' + args.slice(argi).map((a) => `${goTypeName(a)}=${plain(a)}`).join(', ') + ')'
  return out
}

export const SPRINTF_BUILTINS: BuiltinDef[] = [
  def('sprintf', 2, ([f, a]) => strV(sprintf(str('sprintf', f, 1), arrArg('sprintf', a, 2).items))),
]
