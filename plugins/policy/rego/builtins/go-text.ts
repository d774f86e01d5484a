/**
 * Go's byte-string and JSON text conventions, which OPA's outputs inherit: invalid UTF-8 bytes
 * decode to one U+FFFD each, and encoding/json escapes HTML characters and sorts object keys.
 */
import { sortedEntries, sortedItems, toJsonText, type Value } from '../value.ts'

/** Bytes -> string the way Go ranges over a string: every byte of an invalid sequence becomes U+FFFD. */
export function goString(b: Uint8Array): string {
  let out = ''
  let i = 0
  while (i < b.length) {
    const c = b[i]
    let need = 0
    let cp = 0
    let min = 0
    if (c < 0x80) { out += String.fromCharCode(c); i++; continue }
    else if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; min = 0x80 }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; min = 0x800 }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; min = 0x10000 }
    else { out += '\ufffd'; i++; continue }
    let ok = true
    let j = 1
    for (; ok && j <= need; j++) {
      const d = b[i + j]
      if (d === undefined || (d & 0xc0) !== 0x80) { ok = false; break }
      cp = (cp << 6) | (d & 0x3f)
    }
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) { out += '\ufffd'; i++; continue }
    out += String.fromCodePoint(cp)
    i += need + 1
  }
  return out
}

export const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8')

/** A JSON string literal as Go's encoding/json writes it. */
export function goQuoteJson(s: string): string {
  let out = '"'
  for (const ch of s) {
    const c = ch.codePointAt(0) as number
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0')
    else out += ch
  }
  return out + '"'
}

/** JSON text of a value with Go's escaping; with `indent` set, laid out like json.MarshalIndent. */
export function goJson(v: Value, indent?: string, prefix = ''): string {
  const nl = (depth: number) => (indent === undefined ? '' : '\n' + prefix + indent.repeat(depth))
  const sep = indent === undefined ? ':' : ': '
  const walk = (x: Value, depth: number): string => {
    switch (x.type) {
      case 'string':
        return goQuoteJson(x.value)
      case 'array':
      case 'set': {
        const items = x.type === 'array' ? x.items : sortedItems(x)
        if (items.length === 0) return '[]'
        return '[' + items.map((i) => nl(depth + 1) + walk(i, depth + 1)).join(',') + nl(depth) + ']'
      }
      case 'object': {
        const es = sortedEntries(x)
        if (es.length === 0) return '{}'
        const keyText = (k: Value) => goQuoteJson(k.type === 'string' ? k.value : toJsonText(k))
        const sorted = es.map(([k, val]) => [keyText(k), val] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        return '{' + sorted.map(([k, val]) => nl(depth + 1) + k + sep + walk(val, depth + 1)).join(',') + nl(depth) + '}'
      }
      default:
        return toJsonText(x)
    }
  }
  return walk(v, 0)
}
