/**
 * regex.* built-ins with Go RE2 semantics (re2js), so policies accept and reject the same
 * patterns as OPA and never backtrack catastrophically.
 */
import { RE2JS } from 're2js'
import { arr, bool, str as strV, type Value } from '../value.ts'
import { builtinError, def, intArg, str } from './args.ts'
import type { BuiltinDef } from './contract.ts'
import { globsMatch } from './globs-match.ts'

type RE2 = ReturnType<RE2JS['re2']>

/** Compiled patterns are reused across queries; the cap bounds memory for policies built on input-supplied patterns. */
const CACHE_LIMIT = 500
const cache = new Map<string, RE2JS>()

export function compileRegex(name: string, pattern: string): RE2JS {
  let re = cache.get(pattern)
  if (re) return re
  try {
    re = RE2JS.compile(pattern)
  } catch (e) {
    throw builtinError(name, (e as Error).message)
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
  cache.set(pattern, re)
  return re
}

const re2 = (name: string, pattern: string): RE2 => compileRegex(name, pattern).re2()

/** [start, end] pairs of every group of every match, like Go's FindAllStringSubmatchIndex. */
function matches(r: RE2, s: string, n: number): number[][] {
  return (r.findAllSubmatchIndex(s, n) as number[][] | null) ?? []
}

/** Go's Regexp.Expand for ReplaceAllString: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, s: string, m: number[], names: Record<string, number>): string {
  let out = ''
  for (let i = 0; i < template.length; i++) {
    const c = template[i]
    if (c !== '$' || i + 1 >= template.length) { out += c; continue }
    if (template[i + 1] === '$') { out += '$'; i++; continue }
    let name: string
    let end: number
    if (template[i + 1] === '{') {
      const close = template.indexOf('}', i + 2)
      const inner = close < 0 ? '' : template.slice(i + 2, close)
      if (close < 0 || !/^\w+$/.test(inner)) { out += c; continue }
      name = inner
      end = close
    } else {
      const w = /^\w+/.exec(template.slice(i + 1))
      if (!w) { out += c; continue }
      name = w[0]
      end = i + w[0].length
    }
    const g = /^\d+$/.test(name) ? Number(name) : names[name]
    if (g !== undefined && 2 * g + 1 < m.length && m[2 * g] >= 0) out += s.slice(m[2 * g], m[2 * g + 1])
    i = end
  }
  return out
}

function replace(s: string, pattern: string, repl: string): string {
  const compiled = compileRegex('regex.replace', pattern)
  const names = compiled.namedGroups() as Record<string, number>
  let out = ''
  let last = 0
  for (const m of matches(compiled.re2(), s, -1)) {
    out += s.slice(last, m[0]) + expand(repl, s, m, names)
    last = m[1]
  }
  return out + s.slice(last)
}

/** Go's Regexp.Split(s, -1). */
function split(pattern: string, s: string): string[] {
  if (s === '') return ['']
  const r = re2('regex.split', pattern)
  const out: string[] = []
  let beg = 0
  for (const m of matches(r, s, -1)) {
    if (m[1] === 0) continue
    out.push(s.slice(beg, m[0]))
    beg = m[1]
  }
  out.push(s.slice(beg))
  return out
}

const quote = (s: string): string => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&')

/** regex.template_match: literal text with regexes between the delimiters, matched whole. */
function templateMatch(template: string, value: string, open: string, close: string): boolean {
  let pattern = '^'
  let i = 0
  while (i < template.length) {
    const a = template.indexOf(open, i)
    if (a < 0) break
    let depth = 0
    let b = -1
    for (let j = a; j < template.length; j++) {
      if (template.startsWith(open, j) && (j === a || open !== close)) depth++
      else if (template.startsWith(close, j)) {
        depth--
        if (depth === 0) { b = j; break }
      }
    }
    if (b < 0) throw builtinError('regex.template_match', `unbalanced braces in template: ${template}`)
    pattern += quote(template.slice(i, a)) + '(' + template.slice(a + open.length, b) + ')'
    i = b + close.length
  }
  pattern += quote(template.slice(i)) + '$'
  return re2('regex.template_match', pattern).match(value)
}

const nArg = (name: string, v: Value): number => Number(intArg(name, v, 3))

export const REGEX_BUILTINS: BuiltinDef[] = [
  def('regex.match', 2, ([p, s]) => bool(re2('regex.match', str('regex.match', p, 1)).match(str('regex.match', s, 2)))),
  def('re_match', 2, ([p, s]) => bool(re2('re_match', str('re_match', p, 1)).match(str('re_match', s, 2)))),
  def('regex.is_valid', 1, ([p]) => {
    if (p.type !== 'string') return bool(false)
    try {
      compileRegex('regex.is_valid', p.value)
      return bool(true)
    } catch {
      return bool(false)
    }
  }),
  def('regex.find_n', 3, ([p, s, n]) => {
    const text = str('regex.find_n', s, 2)
    const ms = matches(re2('regex.find_n', str('regex.find_n', p, 1)), text, nArg('regex.find_n', n))
    return arr(ms.map((m) => strV(text.slice(m[0], m[1]))))
  }),
  def('regex.find_all_string_submatch_n', 3, ([p, s, n]) => {
    const name = 'regex.find_all_string_submatch_n'
    const text = str(name, s, 2)
    const ms = matches(re2(name, str(name, p, 1)), text, nArg(name, n))
    return arr(ms.map((m) => {
      const groups: Value[] = []
      for (let g = 0; g < m.length; g += 2) groups.push(strV(m[g] < 0 ? '' : text.slice(m[g], m[g + 1])))
      return arr(groups)
    }))
  }),
  def('regex.split', 2, ([p, s]) => arr(split(str('regex.split', p, 1), str('regex.split', s, 2)).map(strV))),
  def('regex.replace', 3, ([s, p, r]) => strV(replace(str('regex.replace', s, 1), str('regex.replace', p, 2), str('regex.replace', r, 3)))),
  def('regex.template_match', 4, ([t, v, o, c]) => {
    const name = 'regex.template_match'
    return bool(templateMatch(str(name, t, 1), str(name, v, 2), str(name, o, 3), str(name, c, 4)))
  }),
  def('regex.globs_match', 2, ([a, b]) => bool(globsMatch(str('regex.globs_match', a, 1), str('regex.globs_match', b, 2)))),
]
