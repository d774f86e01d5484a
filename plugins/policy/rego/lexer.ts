/**
 * Rego tokenizer. Newlines matter in Rego only as literal separators, so instead of emitting
 * newline tokens each token records whether a newline (`nl`) or any whitespace (`ws`) preceded
 * it; the parser uses `ws` to tell `a[x]` (a ref) from `a [x]` (two terms).
 */
import { RegoError } from './errors.ts'

export type TokKind = 'ident' | 'number' | 'string' | 'template' | 'punct' | 'eof'

/** One piece of an interpolated string: literal text or the source of a `{expr}`. */
export type TemplatePart = string | { src: string; row: number; col: number }

export interface Token {
  k: TokKind
  /** Identifier name, punctuation text, number text, or decoded string value. */
  v: string
  row: number
  col: number
  nl: boolean
  ws: boolean
  raw?: boolean
  parts?: TemplatePart[]
}

export interface Comment { text: string; row: number; col: number }

const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y

const PUNCT = [':=', '==', '!=', '<=', '>=', '{', '}', '[', ']', '(', ')', '.', ',', ';', ':', '=', '<', '>', '+', '-', '*', '/', '%', '&', '|']

export function tokenize(src: string, file: string): { tokens: Token[]; comments: Comment[] } {
  const tokens: Token[] = []
  const comments: Comment[] = []
  let i = 0
  let row = 1
  let lineStart = 0
  let nl = true
  let ws = true
  const err = (msg: string, r = row, c = i - lineStart + 1): never => {
    throw new RegoError('rego_parse_error', msg, { file, row: r, col: c })
  }
  while (i < src.length) {
    const ch = src[i]
    if (ch === '\n') {
      i++, row++, (lineStart = i), (nl = true), (ws = true)
      continue
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++, (ws = true)
      continue
    }
    if (ch === '#') {
      const end = src.indexOf('\n', i)
      const stop = end < 0 ? src.length : end
      comments.push({ text: src.slice(i + 1, stop), row, col: i - lineStart + 1 })
      i = stop
      ws = true
      continue
    }
    const col = i - lineStart + 1
    const push = (k: TokKind, v: string, extra: Partial<Token> = {}): void => {
      tokens.push({ k, v, row, col, nl, ws, ...extra })
      nl = false
      ws = false
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j])) j++
      push('ident', src.slice(i, j))
      i = j
      continue
    }
    if (/[0-9]/.test(ch)) {
      // `1.` is not a number in Rego: a fraction needs digits after the point.
      NUMBER.lastIndex = i
      const m = NUMBER.exec(src)!
      push('number', m[0])
      i += m[0].length
      continue
    }
    if (ch === '"') {
      const [value, end] = readString(src, i + 1, err)
      push('string', value)
      i = end
      continue
    }
    if (ch === '`') {
      const end = src.indexOf('`', i + 1)
      if (end < 0) err('non-terminated raw string')
      const text = src.slice(i + 1, end)
      push('string', text, { raw: true })
      row += (text.match(/\n/g) ?? []).length
      if (text.includes('\n')) lineStart = i + 1 + text.lastIndexOf('\n') + 1
      i = end + 1
      continue
    }
    if (ch === '$' && (src[i + 1] === '"' || src[i + 1] === '`')) {
      const startRow = row
      const { parts, end, rows, lastLineStart } = readTemplate(src, i + 1, row, lineStart, err)
      tokens.push({ k: 'template', v: '', row: startRow, col, nl, ws, parts })
      nl = ws = false
      row = rows
      lineStart = lastLineStart
      i = end
      continue
    }
    const p = PUNCT.find((x) => src.startsWith(x, i))
    if (!p) err(`unexpected character ${JSON.stringify(ch)}`)
    push('punct', p!)
    i += p!.length
  }
  tokens.push({ k: 'eof', v: '', row, col: i - lineStart + 1, nl: true, ws: true })
  return { tokens, comments }
}

/** Decodes a double-quoted string starting after the quote; returns the value and the index after the closing quote. */
function readString(src: string, i: number, err: (m: string) => never): [string, number] {
  let j = i
  while (j < src.length && src[j] !== '"') {
    if (src[j] === '\n') err('non-terminated string')
    j += src[j] === '\\' ? 2 : 1
  }
  if (j >= src.length) err('non-terminated string')
  try {
    return [JSON.parse(src.slice(i - 1, j + 1)) as string, j + 1]
  } catch {
    return err('illegal escape sequence in string')
  }
}

function readTemplate(
  src: string,
  i: number,
  row: number,
  lineStart: number,
  err: (m: string, r?: number, c?: number) => never,
): { parts: TemplatePart[]; end: number; rows: number; lastLineStart: number } {
  const raw = src[i] === '`'
  const close = raw ? '`' : '"'
  const parts: TemplatePart[] = []
  let text = ''
  let j = i + 1
  for (;;) {
    if (j >= src.length) err('non-terminated template string')
    const c = src[j]
    if (c === close) break
    if (c === '\n') {
      if (!raw) err('non-terminated template string')
      row++, (lineStart = j + 1)
    }
    if (c === '\\' && src[j + 1] === '{') {
      text += '{'
      j += 2
      continue
    }
    if (!raw && c === '\\') {
      if (src[j + 1] === '{') {
        text += '{'
        j += 2
        continue
      }
      const esc = src.slice(j, j + (src[j + 1] === 'u' ? 6 : 2))
      try {
        text += JSON.parse('"' + esc + '"') as string
      } catch {
        err('illegal escape sequence in template string')
      }
      j += esc.length
      continue
    }
    if (c === '{') {
      // Find the matching brace, skipping nested strings so `{"}"}` works.
      let depth = 1
      let k = j + 1
      while (k < src.length && depth > 0) {
        const d = src[k]
        if (d === '"') k = readString(src, k + 1, err)[1]
        else if (d === '`') k = src.indexOf('`', k + 1) + 1 || src.length
        else {
          if (d === '{') depth++
          else if (d === '}') depth--
          k++
        }
      }
      if (depth > 0) err('non-terminated template expression')
      if (text) parts.push(text)
      text = ''
      parts.push({ src: src.slice(j + 1, k - 1), row, col: j + 1 - lineStart + 1 })
      j = k
      continue
    }
    text += c
    j++
  }
  if (text) parts.push(text)
  return { parts, end: j + 1, rows: row, lastLineStart: lineStart }
}
