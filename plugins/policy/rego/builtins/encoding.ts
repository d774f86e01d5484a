/** base64*, hex.*, urlquery.* built-ins. Decoded bytes become strings the way Go converts them. */
import { arr, bool, obj, sortedItems, str as strV, type Value } from '../value.ts'
import { builtinError, def, objArg, operandError, str } from './args.ts'
import { Base64Error, base64Encode, goBase64Decode } from './base64.ts'
import type { BuiltinDef } from './contract.ts'
import { goString, utf8 } from './go-text.ts'

function b64decode(name: string, s: string, opts: { url: boolean; padded: boolean }): string {
  try {
    return goString(goBase64Decode(s, opts))
  } catch (e) {
    if (e instanceof Base64Error) throw builtinError(name, e.message)
    throw e
  }
}

/** RFC 7515 leniency: base64url input may omit its padding. */
function base64UrlDecode(s: string): string {
  let t = s
  if (!t.endsWith('=')) {
    const r = t.length % 4
    if (r === 1) throw builtinError('base64url.decode', 'illegal base64url string: ' + s)
    if (r === 2) t += '=='
    if (r === 3) t += '='
  }
  return b64decode('base64url.decode', t, { url: true, padded: true })
}

function hexDecode(s: string): string {
  const out: number[] = []
  const val = (i: number): number => {
    const c = s[i]
    const d = /[0-9a-fA-F]/.test(c) ? parseInt(c, 16) : -1
    if (d < 0) {
      const cp = s.codePointAt(i) as number
      throw builtinError('hex.decode', `encoding/hex: invalid byte: U+${cp.toString(16).toUpperCase().padStart(4, '0')} ${goQuoteRune(cp)}`)
    }
    return d
  }
  const bytes = utf8(s)
  const text = goString(bytes)
  let i = 0
  for (; i + 1 < text.length; i += 2) out.push(val(i) * 16 + val(i + 1))
  if (text.length % 2 === 1) {
    val(text.length - 1)
    throw builtinError('hex.decode', 'encoding/hex: odd length hex string')
  }
  return goString(Uint8Array.from(out))
}

function goQuoteRune(cp: number): string {
  if (cp === 0x27) return "'\\''"
  if (cp >= 0x20 && cp !== 0x7f) return `'${String.fromCodePoint(cp)}'`
  return `'\\x${cp.toString(16).padStart(2, '0')}'`
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = ''
  for (const b of utf8(s)) {
    const c = String.fromCharCode(b)
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c
    else if (c === ' ') out += '+'
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

/** Go's url.QueryUnescape; throws on a malformed escape. */
export function queryUnescape(name: string, s: string): string {
  const bytes: number[] = []
  for (let i = 0; i < s.length; ) {
    const c = s[i]
    if (c === '%') {
      const h = s.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw builtinError(name, `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`)
      bytes.push(parseInt(h, 16))
      i += 3
    } else {
      if (c === '+') bytes.push(0x20)
      else bytes.push(...utf8(String.fromCodePoint(s.codePointAt(i) as number)))
      i += String.fromCodePoint(s.codePointAt(i) as number).length
    }
  }
  return goString(Uint8Array.from(bytes))
}

function encodeObject(v: Value): string {
  const o = objArg('urlquery.encode_object', v, 1)
  const parts: Array<[string, string]> = []
  for (const [k, val] of o.entries.values()) {
    if (k.type !== 'string') throw operandError('urlquery.encode_object', 1, 'object with string keys', `key of type ${k.type}`)
    const vals = val.type === 'string' ? [val] : val.type === 'array' ? val.items : val.type === 'set' ? sortedItems(val) : undefined
    if (!vals) throw operandError('urlquery.encode_object', 1, 'object of strings, arrays or sets', val)
    for (const x of vals) {
      if (x.type !== 'string') throw operandError('urlquery.encode_object', 1, 'string values', x)
      parts.push([k.value, x.value])
    }
  }
  // url.Values.Encode sorts by key and keeps each key's values in order.
  const keys = [...new Set(parts.map(([k]) => k))].sort()
  return keys.flatMap((k) => parts.filter(([pk]) => pk === k).map(([, x]) => `${queryEscape(k)}=${queryEscape(x)}`)).join('&')
}

function decodeObject(s: string): Value {
  const m = new Map<string, string[]>()
  for (const part of s.split(/&/)) {
    if (part === '') continue
    if (part.includes(';')) throw builtinError('urlquery.decode_object', 'invalid semicolon separator in query')
    const eq = part.indexOf('=')
    const k = queryUnescape('urlquery.decode_object', eq < 0 ? part : part.slice(0, eq))
    const v = eq < 0 ? '' : queryUnescape('urlquery.decode_object', part.slice(eq + 1))
    m.set(k, [...(m.get(k) ?? []), v])
  }
  return obj([...m].map(([k, vs]) => [strV(k), arr(vs.map(strV))] as const))
}

export const ENCODING_BUILTINS: BuiltinDef[] = [
  def('base64.encode', 1, ([s]) => strV(base64Encode(utf8(str('base64.encode', s, 1)), { url: false, padded: true }))),
  def('base64.decode', 1, ([s]) => strV(b64decode('base64.decode', str('base64.decode', s, 1), { url: false, padded: true }))),
  def('base64.is_valid', 1, ([s]) => {
    try {
      goBase64Decode(str('base64.is_valid', s, 1), { url: false, padded: true })
      return bool(true)
    } catch {
      return bool(false)
    }
  }),
  def('base64url.encode', 1, ([s]) => strV(base64Encode(utf8(str('base64url.encode', s, 1)), { url: true, padded: true }))),
  def('base64url.encode_no_pad', 1, ([s]) => strV(base64Encode(utf8(str('base64url.encode_no_pad', s, 1)), { url: true, padded: false }))),
  def('base64url.decode', 1, ([s]) => strV(base64UrlDecode(str('base64url.decode', s, 1)))),
  def('hex.encode', 1, ([s]) => strV(utf8(str('hex.encode', s, 1)).toString('hex'))),
  def('hex.decode', 1, ([s]) => strV(hexDecode(str('hex.decode', s, 1)))),
  def('urlquery.encode', 1, ([s]) => strV(queryEscape(str('urlquery.encode', s, 1)))),
  def('urlquery.decode', 1, ([s]) => strV(queryUnescape('urlquery.decode', str('urlquery.decode', s, 1)))),
  def('urlquery.encode_object', 1, ([o]) => strV(encodeObject(o))),
  def('urlquery.decode_object', 1, ([s]) => decodeObject(str('urlquery.decode_object', s, 1))),
]
