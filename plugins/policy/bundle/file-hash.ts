/**
 * The digest OPA puts in a signed bundle's `files` claim, computed the way OPA computes it so a
 * bundle signed by `opa sign` verifies here and a bundle Dyad signs verifies in an OPA agent.
 * `.rego` and other files are hashed as raw bytes. Structured files (data.json, data.yaml,
 * .manifest) are hashed in a normal form that ignores whitespace and key order: objects as
 * `{"k":v,...}` with keys in byte order, arrays as `[v,...]`, strings and keys as Go's JSON encoder
 * writes them (no HTML escaping, U+2028/U+2029 escaped) and numbers as their literal text (Go
 * decodes them as json.Number, so `1.0` and `1` hash differently).
 */
import { createHash } from 'node:crypto'
import { parseDataFile } from './data-file.ts'
import { baseName } from './paths.ts'

/** OPA's names, mapped to node:crypto's. MD5 and SHA-1 are OPA's too but refused here as broken. */
export const FILE_HASH_ALGORITHMS: Record<string, string> = {
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  'SHA-512-224': 'sha512-224',
  'SHA-512-256': 'sha512-256',
}
export const WEAK_FILE_HASH_ALGORITHMS = new Set(['MD5', 'SHA-1'])

const STRUCTURED = new Set(['data.json', 'data.yaml', '.manifest'])

/** Whether OPA hashes the file's parsed content rather than its bytes (by base name, as OPA). */
export const isStructuredFile = (path: string) => STRUCTURED.has(baseName(path))

/** A JSON number kept as its source text. */
class RawNumber {
  constructor(readonly text: string) {}
}

/** Throws on invalid JSON/YAML; the caller turns that into a bundle error. */
export function hashBundleFile(path: string, bytes: Buffer, algorithm: string, nodeAlgorithm = FILE_HASH_ALGORITHMS[algorithm]): string {
  if (!nodeAlgorithm) throw new Error(`unsupported hashing algorithm: ${algorithm}`)
  const h = createHash(nodeAlgorithm)
  if (!isStructuredFile(path)) return h.update(bytes).digest('hex')
  const text = bytes.toString('utf8')
  // OPA converts YAML to JSON first; its numbers then are written as Go formats them, which for
  // ordinary integers and decimals is what JSON.stringify gives (the reader's hardened parser).
  h.update(normalForm(baseName(path) === 'data.yaml' ? parseDataFile(path, bytes) : parseKeepingNumbers(text)))
  return h.digest('hex')
}

/** JSON.parse with each number replaced by its literal text (Node 22+: the reviver's `source`). */
export function parseKeepingNumbers(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === 'number' && context?.source !== undefined ? new RawNumber(context.source) : value)
}

/** Byte order of UTF-8, as Go's sort.Strings orders keys (differs from UTF-16 order above the BMP). */
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

/** Iterative, so a deeply nested document cannot overflow the stack. */
export function normalForm(root: unknown): string {
  const out: string[] = []
  const stack: Array<unknown | { raw: string }> = [root]
  const RAW = Symbol('raw')
  while (stack.length > 0) {
    const v = stack.pop() as any
    if (v !== null && typeof v === 'object' && v[RAW] !== undefined) {
      out.push(v[RAW])
    } else if (v instanceof RawNumber) {
      out.push(v.text)
    } else if (Array.isArray(v)) {
      const parts: unknown[] = [{ [RAW]: '[' }]
      v.forEach((e, i) => {
        if (i > 0) parts.push({ [RAW]: ',' })
        parts.push(e)
      })
      parts.push({ [RAW]: ']' })
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i])
    } else if (v !== null && typeof v === 'object') {
      const parts: unknown[] = [{ [RAW]: '{' }]
      Object.keys(v).sort(byUtf8).forEach((k, i) => {
        parts.push({ [RAW]: `${i > 0 ? ',' : ''}${goString(k)}:` })
        parts.push(v[k])
      })
      parts.push({ [RAW]: '}' })
      for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i])
    } else if (typeof v === 'string') {
      out.push(goString(v))
    } else if (typeof v === 'number') {
      out.push(JSON.stringify(v))
    } else {
      out.push(JSON.stringify(v ?? null))
    }
  }
  return out.join('')
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** A string as Go's json.Encoder writes it with SetEscapeHTML(false). */
export function goString(s: string): string {
  // Go replaces invalid UTF-16 (lone surrogates) with U+FFFD and escapes the JS line separators.
  return JSON.stringify(s.replace(LONE_SURROGATE, '\ufffd')).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'))
}
