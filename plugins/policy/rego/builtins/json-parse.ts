/**
 * Strict JSON text -> Value that keeps every digit of integers (JSON.parse would round them).
 * Syntax errors use Go encoding/json's wording, which OPA passes through.
 */
import { NULL, arr, bool, num, obj, str, type Value } from '../value.ts'

export class JsonSyntaxError extends Error {}

const MAX_DEPTH = 10000

export function parseJson(text: string): Value {
  let i = 0
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++
  }
  const quoteChar = (c: string) => (c === "'" ? "'\\''" : `'${c}'`)
  const fail = (context: string): never => {
    if (i >= text.length) throw new JsonSyntaxError('unexpected end of JSON input')
    throw new JsonSyntaxError(`invalid character ${quoteChar(text[i])} ${context}`)
  }
  const value = (depth: number): Value => {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError('exceeded max depth')
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      const pairs: Array<[Value, Value]> = []
      ws()
      if (text[i] === '}') { i++; return obj(pairs) }
      for (;;) {
        ws()
        if (text[i] !== '"') fail('looking for beginning of object key string')
        const k = string()
        ws()
        if (text[i] !== ':') fail('after object key')
        i++
        pairs.push([str(k), value(depth + 1)])
        ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === '}') { i++; return obj(pairs) }
        fail('after object key:value pair')
      }
    }
    if (c === '[') {
      i++
      const items: Value[] = []
      ws()
      if (text[i] === ']') { i++; return arr(items) }
      for (;;) {
        items.push(value(depth + 1))
        ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === ']') { i++; return arr(items) }
        fail('after array element')
      }
    }
    if (c === '"') return str(string())
    for (const [word, v] of [['true', bool(true)], ['false', bool(false)], ['null', NULL]] as const) {
      if (text.startsWith(word, i)) { i += word.length; return v }
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 1000))
    if (!m || m[0] === '-') return fail('looking for beginning of value')
    i += m[0].length
    return num(m[0])
  }
  const string = (): string => {
    i++
    let out = ''
    for (;;) {
      const c = text[i]
      if (c === undefined) fail('in string literal')
      if (c === '"') { i++; return out }
      if (c < ' ') fail('in string literal')
      if (c === '\\') {
        const e = text[i + 1]
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
        if (e in simple) { out += simple[e]; i += 2; continue }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)); i += 6; continue }
        i++
        fail('in string escape code')
      }
      out += c
      i++
    }
  }
  const v = value(0)
  ws()
  if (i !== text.length) fail('after top-level value')
  return v
}
