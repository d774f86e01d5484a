/**
 * JSON (RFC 8259). A scanner validates the text first, in one iterative pass: it reports the exact
 * place of a syntax error (V8's JSON.parse names no position for an unexpected token), refuses
 * duplicate keys (last-wins would silently drop a setting, and YAML refuses them too), and stops at
 * the depth and key limits before anything is allocated. JSON.parse then builds the value, with a
 * reviver that keeps how numbers were spelled.
 */
import { FormatError, locate } from './errors.ts'
import { NumberText } from './flatten.ts'
import type { FormatLimits } from './types.ts'

export interface ParsedJson { value: unknown; numbers: NumberText }

export function parseJson(text: string, limits: FormatLimits): ParsedJson {
  scan(text, limits)
  const numbers = new NumberText()
  const value: unknown = JSON.parse(text, function (this: object, key: string, v: unknown, ctx?: { source?: string }) {
    if (typeof v === 'number' && ctx?.source !== undefined && ctx.source !== String(v)) numbers.set(this, key, ctx.source)
    return v
  } as (key: string, v: unknown) => unknown)
  if (typeof value === 'number') {
    const source = text.trim()
    if (source !== String(value)) numbers.set(undefined, '', source)
  }
  return { value, numbers }
}

interface Frame { array: boolean; keys?: Set<string> }

const HINTS: Record<string, string> = {
  "'": ': JSON strings and keys use double quotes',
  '/': ': JSON has no comments',
}

function scan(s: string, limits: FormatLimits): void {
  let i = 0
  let leaves = 0
  const stack: Frame[] = []
  const fail = (at: number, message: string, kind: 'syntax' | 'limit' = 'syntax'): never => {
    throw new FormatError('json', kind, message, locate(s, at))
  }
  const what = (at: number) => (at >= s.length ? 'end of input' : `character ${JSON.stringify(String.fromCodePoint(s.codePointAt(at)!))}`)
  const ws = () => {
    for (let c = s.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = s.charCodeAt(++i));
  }
  const leaf = (at: number) => {
    if (++leaves > limits.maxKeys) fail(at, `The document has more than ${limits.maxKeys} values`, 'limit')
  }
  const string = (decode: boolean): string => {
    const start = i++
    let escaped = false
    for (;;) {
      if (i >= s.length) fail(start, 'Unterminated string')
      const c = s.charCodeAt(i)
      if (c === 34) break
      if (c === 92) {
        escaped = true
        const e = s[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) fail(i, 'Invalid \\u escape: four hex digits expected')
          i += 6
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2
        else fail(i, `Invalid escape ${JSON.stringify('\\' + (e ?? ''))} in a string`)
      } else if (c < 0x20) fail(i, `Control character U+${c.toString(16).padStart(4, '0').toUpperCase()} in a string: write it as an escape`)
      else i++
    }
    i++
    if (!decode) return ''
    return escaped ? (JSON.parse(s.slice(start, i)) as string) : s.slice(start + 1, i - 1)
  }
  const digits = (after: string) => {
    const start = i
    while (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++
    if (i === start) fail(i, `Expected a digit ${after}, found ${what(i)}`)
  }
  const number = () => {
    if (s[i] === '-') i++
    if (s[i] === '0') {
      i++
      if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) fail(i - 1, 'Numbers cannot have leading zeros')
    } else digits(s[i - 1] === '-' ? "after '-'" : 'to start a number')
    if (s[i] === '.') { i++; digits('after the decimal point') }
    if (s[i] === 'e' || s[i] === 'E') {
      i++
      if (s[i] === '+' || s[i] === '-') i++
      digits('in the exponent')
    }
  }
  const key = (frame: Frame) => {
    ws()
    if (s[i] !== '"') fail(i, `Expected a property name in double quotes, found ${what(i)}${s[i] === '}' ? ' (trailing commas are not allowed)' : HINTS[s[i]] ?? ''}`)
    const at = i
    const k = string(true)
    if (frame.keys!.has(k)) fail(at, `Duplicate key ${JSON.stringify(k)}`)
    frame.keys!.add(k)
    ws()
    if (s[i] !== ':') fail(i, `Expected ':' after the property name, found ${what(i)}`)
    i++
  }

  value: for (;;) {
    ws()
    const at = i
    const c = s[i]
    if (c === '{' || c === '[') {
      if (stack.length >= limits.maxDepth) fail(at, `The document is nested more than ${limits.maxDepth} levels deep`, 'limit')
      i++
      ws()
      if (s[i] === (c === '{' ? '}' : ']')) {
        i++
        leaf(at)
      } else {
        const frame: Frame = c === '{' ? { array: false, keys: new Set() } : { array: true }
        stack.push(frame)
        if (!frame.array) key(frame)
        continue value
      }
    } else if (c === '"') {
      string(false)
      leaf(at)
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      number()
      leaf(at)
    } else if (s.startsWith('true', i) || s.startsWith('null', i) || s.startsWith('false', i)) {
      i += c === 'f' ? 5 : 4
      leaf(at)
    } else {
      const word = /^[\w$.+-]+/.exec(s.slice(i, i + 40))?.[0]
      const trailing = c === ']' && stack.length > 0 ? ' (trailing commas are not allowed)' : ''
      fail(at, `Unexpected ${word ? `token ${JSON.stringify(word)}` : what(at)}${trailing}${HINTS[c] ?? ''}`)
    }
    // After a value: a comma, the close of its container, or the end of the document.
    for (;;) {
      ws()
      const top = stack[stack.length - 1]
      if (!top) {
        if (i < s.length) fail(i, `Unexpected ${what(i)} after the end of the document`)
        return
      }
      const close = top.array ? ']' : '}'
      if (s[i] === ',') {
        i++
        if (!top.array) key(top)
        continue value
      }
      if (s[i] !== close) fail(i, `Expected ',' or '${close}' after ${top.array ? 'an array element' : 'a property value'}, found ${what(i)}`)
      i++
      stack.pop()
    }
  }
}

export function serializeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}
