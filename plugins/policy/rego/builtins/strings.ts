/**
 * String built-ins. Indices and lengths count Unicode code points (Go runes), not UTF-16 units,
 * so results match OPA for text outside the BMP.
 */
import { arr, bool, isInt, num, str as strV, toNumber, type Value } from '../value.ts'
import { builtinError, def, numArg, objArg, oneOf, operandError, str, strings, typeError } from './args.ts'
import type { BuiltinDef } from './contract.ts'

const runes = (s: string): string[] => Array.from(s)

/** Rune index of the first occurrence of `sub` at or after UTF-16 offset `from`, or -1. */
function runeIndex(s: string, unitIndex: number): number {
  return unitIndex < 0 ? -1 : runes(s.slice(0, unitIndex)).length
}

const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const LEADING_SPACE = new RegExp(`^[${GO_SPACE}]+`)
const TRAILING_SPACE = new RegExp(`[${GO_SPACE}]+$`)

function trimLeft(s: string, cut: Set<string>): string {
  const r = runes(s)
  let i = 0
  while (i < r.length && cut.has(r[i])) i++
  return r.slice(i).join('')
}

function trimRight(s: string, cut: Set<string>): string {
  const r = runes(s)
  let j = r.length
  while (j > 0 && cut.has(r[j - 1])) j--
  return r.slice(0, j).join('')
}

/** Go's strings.Split: an empty separator splits into runes; "" split by "" is []. */
export function goSplit(s: string, sep: string): string[] {
  if (sep === '') return runes(s)
  return s.split(sep)
}

export const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s)

/** Go maps case rune by rune: a rune whose mapping is several runes ("ß" -> "SS") stays as it is. */
function caseMap(s: string, f: (c: string) => string): string {
  // ASCII maps one to one and without context, so the whole string can be mapped at once (the
  // rune loop costs ~450 ns a character: a 20 MB string would hold the process for 9 s).
  if (isAscii(s)) return f(s)
  let out = ''
  for (const c of s) {
    const m = f(c)
    out += Array.from(m).length === 1 ? m : c
  }
  return out
}

/** Go's strings.ReplaceAll: an empty `old` inserts `neu` around every rune. */
function goReplace(s: string, old: string, neu: string): string {
  if (old === '') return neu + runes(s).join(neu) + (s === '' ? '' : neu)
  return s.split(old).join(neu)
}

/** Go's strings.Count: non-overlapping; an empty needle counts rune boundaries. */
function goCount(s: string, sub: string): number {
  if (sub === '') return runes(s).length + 1
  let n = 0
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++
  return n
}

/** strings.replace_n: at each position the first pattern (in sorted key order) that matches wins. */
function replaceN(patterns: Array<[string, string]>, s: string): string {
  patterns.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  let out = ''
  let i = 0
  while (i < s.length) {
    const hit = patterns.find(([old]) => old !== '' && s.startsWith(old, i))
    if (hit) {
      out += hit[1]
      i += hit[0].length
    } else {
      const cp = s.codePointAt(i) as number
      const ch = String.fromCodePoint(cp)
      out += ch
      i += ch.length
    }
  }
  return out
}

function formatInt(args: Value[]): Value {
  const n = numArg('format_int', args[0], 1)
  const base = numArg('format_int', args[1], 2)
  const b = toNumber(base)
  if (![2, 8, 10, 16].includes(b)) throw builtinError('format_int', 'operand 2 must be one of {2, 8, 10, 16}')
  const i = isInt(n) ? n.int : BigInt(Math.trunc(n.float as number))
  return strV(i.toString(b))
}

function substring(args: Value[]): Value {
  const s = str('substring', args[0], 1)
  const start = intOf('substring', args[1], 2)
  const length = intOf('substring', args[2], 3)
  if (start < 0) throw builtinError('substring', 'negative offset')
  const r = runes(s)
  if (start >= r.length) return strV('')
  return strV((length < 0 ? r.slice(start) : r.slice(start, start + length)).join(''))
}

function intOf(name: string, v: Value, pos: number): number {
  const n = numArg(name, v, pos)
  if (isInt(n)) return Number(n.int)
  throw operandError(name, pos, 'integer number', 'floating-point number')
}

function stringsOrOne(name: string, v: Value, pos: number): string[] {
  if (v.type === 'string') return [v.value]
  if (v.type !== 'set' && v.type !== 'array') throw operandError(name, pos, oneOf(['string', 'set', 'array']), v)
  for (const x of v.type === 'set' ? v.items.values() : v.items) {
    if (x.type !== 'string') throw operandError(name, pos, 'array of strings', `array containing ${x.type}`)
  }
  return strings(name, v, pos)
}

function indexOfN(s: string, sub: string): Value {
  const out: Value[] = []
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
    out.push(num(runeIndex(s, i)))
    if (sub === '' && i >= s.length) break
  }
  return arr(out)
}

const s1 = (name: string, f: (s: string) => string) => def(name, 1, ([a]) => strV(f(str(name, a, 1))))
const s2b = (name: string, f: (a: string, b: string) => boolean) => def(name, 2, ([a, b]) => bool(f(str(name, a, 1), str(name, b, 2))))
const s2s = (name: string, f: (a: string, b: string) => string) => def(name, 2, ([a, b]) => strV(f(str(name, a, 1), str(name, b, 2))))

export const STRING_BUILTINS: BuiltinDef[] = [
  def('concat', 2, ([d, c]) => strV(strings('concat', c, 2).join(str('concat', d, 1)))),
  s2b('contains', (a, b) => a.includes(b)),
  s2b('startswith', (a, b) => a.startsWith(b)),
  s2b('endswith', (a, b) => a.endsWith(b)),
  def('format_int', 2, formatInt),
  def('indexof', 2, ([a, b]) => num(runeIndex(str('indexof', a, 1), str('indexof', a, 1).indexOf(str('indexof', b, 2))))),
  def('indexof_n', 2, ([a, b]) => indexOfN(str('indexof_n', a, 1), str('indexof_n', b, 2))),
  s1('lower', (s) => caseMap(s, (c) => c.toLowerCase())),
  s1('upper', (s) => caseMap(s, (c) => c.toUpperCase())),
  def('replace', 3, ([s, o, n]) => strV(goReplace(str('replace', s, 1), str('replace', o, 2), str('replace', n, 3)))),
  def('split', 2, ([s, d]) => arr(goSplit(str('split', s, 1), str('split', d, 2)).map(strV))),
  def('substring', 3, substring),
  s2s('trim', (s, c) => trimRight(trimLeft(s, new Set(runes(c))), new Set(runes(c)))),
  s2s('trim_left', (s, c) => trimLeft(s, new Set(runes(c)))),
  s2s('trim_right', (s, c) => trimRight(s, new Set(runes(c)))),
  s2s('trim_prefix', (s, p) => (s.startsWith(p) ? s.slice(p.length) : s)),
  s2s('trim_suffix', (s, p) => (p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s)),
  s1('trim_space', (s) => s.replace(LEADING_SPACE, '').replace(TRAILING_SPACE, '')),
  def('strings.reverse', 1, ([a]) => strV(runes(str('reverse', a, 1)).reverse().join(''))),
  def('strings.count', 2, ([a, b]) => num(goCount(str('strings.count', a, 1), str('strings.count', b, 2)))),
  def('strings.replace_n', 2, ([p, s]) => {
    const o = objArg('strings.replace_n', p, 1)
    const text = str('strings.replace_n', s, 2)
    const pairs: Array<[string, string]> = []
    for (const [k, v] of o.entries.values()) {
      if (k.type !== 'string') throw typeError('strings.replace_n', 'operand 1 non-string key found in pattern object')
      if (v.type !== 'string') throw typeError('strings.replace_n', 'operand 1 non-string value found in pattern object')
      pairs.push([k.value, v.value])
    }
    return strV(replaceN(pairs, text))
  }),
  def('strings.any_prefix_match', 2, ([a, b]) => {
    const xs = stringsOrOne('strings.any_prefix_match', a, 1)
    const ps = stringsOrOne('strings.any_prefix_match', b, 2)
    return bool(xs.some((x) => ps.some((p) => x.startsWith(p))))
  }),
  def('strings.any_suffix_match', 2, ([a, b]) => {
    const xs = stringsOrOne('strings.any_suffix_match', a, 1)
    const ps = stringsOrOne('strings.any_suffix_match', b, 2)
    return bool(xs.some((x) => ps.some((p) => x.endsWith(p))))
  }),
]
