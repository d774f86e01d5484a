/**
 * Java .properties, as java.util.Properties.load(Reader) reads it: natural lines end at \n, \r\n or
 * \r; blank lines and lines whose first non-blank character is `#` or `!` are skipped; a line that
 * ends in an odd number of backslashes continues on the next, whose leading blanks are dropped (a
 * comment line never continues, a continuation line is never a comment). The key runs to the first
 * unescaped `=`, `:` or blank; blanks, then one `=` or `:`, then blanks separate it from the value.
 * Escapes: \t \n \f \r, \uXXXX, and `\` before any other character stands for that character.
 * A duplicate key keeps its last value, as in Java, and is reported as a warning. Where Java throws
 * on a malformed \uXXXX, this refuses it at its line and column.
 */
import { FormatError, type FormatWarning } from './errors.ts'
import type { FormatLimits } from './types.ts'

export interface ParsedProperties { value: Record<string, string>; warnings: FormatWarning[] }

/** Where a piece of a logical line came from: its offset in the logical line, its line, its column - 1. */
interface Segment { at: number; line: number; col0: number }

const isBlank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\f'

export function parseProperties(text: string, limits: FormatLimits): ParsedProperties {
  const value: Record<string, string> = Object.create(null)
  const firstLine = new Map<string, number>()
  const warnings: FormatWarning[] = []
  let pos = 0
  let lineNo = 0
  let lineStart = 0
  // Reads the next natural line; returns the offset of its first non-blank character and its end.
  const nextLine = (): [number, number] => {
    lineNo++
    lineStart = pos
    let end = pos
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++
    pos = end + (text[end] === '\r' && text[end + 1] === '\n' ? 2 : end < text.length ? 1 : 0)
    let first = lineStart
    while (first < end && isBlank(text[first])) first++
    return [first, end]
  }
  while (pos < text.length) {
    let [first, end] = nextLine()
    if (first === end || text[first] === '#' || text[first] === '!') continue
    let logical = ''
    const segments: Segment[] = []
    for (;;) {
      let slashes = 0
      while (end - slashes > first && text[end - 1 - slashes] === '\\') slashes++
      const continues = slashes % 2 === 1
      segments.push({ at: logical.length, line: lineNo, col0: first - lineStart })
      logical += text.slice(first, continues ? end - 1 : end)
      if (!continues || pos >= text.length) break
      ;[first, end] = nextLine()
    }
    const locate = (i: number) => {
      let s = segments[0]
      for (const seg of segments) if (seg.at <= i) s = seg
      return { line: s.line, column: s.col0 + (i - s.at) + 1 }
    }
    const [key, val] = splitLine(logical, locate)
    const seen = firstLine.get(key)
    if (seen !== undefined) {
      warnings.push({ key, ...locate(0), message: `Duplicate key ${JSON.stringify(key)} (first on line ${seen}): the last value wins` })
    } else {
      if (firstLine.size >= limits.maxKeys) throw new FormatError('properties', 'limit', `The document has more than ${limits.maxKeys} keys`, locate(0))
      firstLine.set(key, segments[0].line)
    }
    value[key] = val
  }
  return { value, warnings }
}

type Locate = (i: number) => { line: number; column: number }

function splitLine(line: string, locate: Locate): [string, string] {
  let keyEnd = 0
  let valueStart = line.length
  let hasSeparator = false
  let escaped = false
  for (; keyEnd < line.length; keyEnd++) {
    const c = line[keyEnd]
    if (!escaped && (c === '=' || c === ':')) {
      valueStart = keyEnd + 1
      hasSeparator = true
      break
    }
    if (!escaped && isBlank(c)) {
      valueStart = keyEnd + 1
      break
    }
    escaped = c === '\\' ? !escaped : false
  }
  for (; valueStart < line.length; valueStart++) {
    const c = line[valueStart]
    if (isBlank(c)) continue
    if (!hasSeparator && (c === '=' || c === ':')) hasSeparator = true
    else break
  }
  return [unescape(line, 0, keyEnd, locate), unescape(line, valueStart, line.length, locate)]
}

const SIMPLE: Record<string, string> = { t: '\t', n: '\n', f: '\f', r: '\r' }

function unescape(s: string, from: number, to: number, locate: Locate): string {
  if (s.indexOf('\\', from) === -1 || s.indexOf('\\', from) >= to) return s.slice(from, to)
  let out = ''
  for (let i = from; i < to; i++) {
    const c = s[i]
    if (c !== '\\') {
      out += c
      continue
    }
    const e = s[++i]
    if (e === undefined || i >= to) break
    if (e === 'u') {
      const hex = s.slice(i + 1, Math.min(i + 5, to))
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new FormatError('properties', 'syntax', 'Malformed \\uXXXX escape: four hex digits expected', locate(i - 1))
      }
      out += String.fromCharCode(parseInt(hex, 16))
      i += 4
    } else out += SIMPLE[e] ?? e
  }
  return out
}

/**
 * Writes a string map as Properties.store(Writer) does, less its date comment: `\`, `=`, `:`, `#`,
 * `!`, tabs and line breaks escaped everywhere, spaces in keys and a value's leading space escaped,
 * other control characters as \uXXXX; other characters (UTF-8 text) as they are.
 */
export function serializeProperties(map: Record<string, string>): string {
  let out = ''
  for (const key of Object.keys(map)) out += `${escape(key, true)}=${escape(map[key], false)}\n`
  return out
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\f': '\\f', '=': '\\=', ':': '\\:', '#': '\\#', '!': '\\!' }

function escape(s: string, isKey: boolean): string {
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    const code = s.charCodeAt(i)
    if (c === ' ') out += isKey || i === 0 ? '\\ ' : ' '
    else if (ESCAPES[c]) out += ESCAPES[c]
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += c
  }
  return out
}
