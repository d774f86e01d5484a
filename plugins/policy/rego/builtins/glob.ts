/**
 * glob.match / glob.quote_meta with gobwas/glob semantics. Globs compile to RE2 (re2js), not JS
 * regexes, so a pattern like "*a*a*a*a*b" cannot backtrack catastrophically on long input.
 */
import { RE2JS } from 're2js'
import { bool, str as strV, type Value } from '../value.ts'
import { builtinError, def, operandError, str } from './args.ts'
import type { BuiltinDef } from './contract.ts'

const CACHE_LIMIT = 500
const cache = new Map<string, RE2JS>()

const esc = (s: string): string => s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
const escClass = (s: string): string => s.replace(/[\\^\]\[-]/g, '\\$&')

function compileGlob(pattern: string, delims: string[]): RE2JS {
  const key = JSON.stringify([pattern, delims])
  const hit = cache.get(key)
  if (hit) return hit
  const notSep = delims.length === 0 ? '(?s:.)' : `[^${delims.map(escClass).join('')}]`
  const chars = Array.from(pattern)
  let i = 0
  const bad = (): never => { throw builtinError('glob.match', `unexpected end of input in glob: ${pattern}`) }
  const seq = (inAlt: boolean): string => {
    let out = ''
    while (i < chars.length) {
      const c = chars[i]
      if (inAlt && (c === ',' || c === '}')) return out
      i++
      if (c === '\\') { if (i >= chars.length) bad(); out += esc(chars[i++]) }
      else if (c === '*') {
        if (chars[i] === '*') { i++; out += '(?s:.*)' } else out += `${notSep}*`
      } else if (c === '?') out += notSep
      else if (c === '[') {
        let cls = ''
        const negate = chars[i] === '!'
        if (negate) i++
        while (i < chars.length && chars[i] !== ']') {
          const ch = chars[i++]
          if (ch === '\\') cls += escClass(chars[i++] ?? bad())
          else if (ch === '-' && cls !== '') cls += '-'
          else cls += escClass(ch)
        }
        if (i >= chars.length) bad()
        i++
        out += `[${negate ? '^' : ''}${cls}]`
      } else if (c === '{') {
        const alts: string[] = []
        for (;;) {
          alts.push(seq(true))
          if (i >= chars.length) bad()
          if (chars[i++] === '}') break
        }
        out += `(?:${alts.join('|')})`
      } else out += esc(c)
    }
    if (inAlt) bad()
    return out
  }
  let re: RE2JS
  try {
    re = RE2JS.compile(`^${seq(false)}$`)
  } catch (e) {
    throw builtinError('glob.match', (e as Error).message)
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string)
  cache.set(key, re)
  return re
}

function delimiters(v: Value): string[] {
  if (v.type === 'null') return []
  if (v.type !== 'array') throw operandError('glob.match', 2, 'array', v)
  if (v.items.length === 0) return ['.']
  return v.items.map((d) => {
    if (d.type !== 'string') throw operandError('glob.match', 2, 'array of strings', `array containing ${d.type}`)
    return d.value
  })
}

export const GLOB_BUILTINS: BuiltinDef[] = [
  def('glob.match', 3, ([p, d, s]) => bool(compileGlob(str('glob.match', p, 1), delimiters(d)).matches(str('glob.match', s, 3)))),
  def('glob.quote_meta', 1, ([p]) => strV(str('glob.quote_meta', p, 1).replace(/[*?\\[\]{}]/g, '\\$&'))),
]
