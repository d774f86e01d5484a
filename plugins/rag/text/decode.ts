/**
 * Bytes to clean text: strict UTF-8 (an invalid sequence is a broken upload, not something to
 * guess at), no byte-order mark, newlines as \n, and no C0 control characters but tab and newline
 * (NUL and friends break tokenizers, Postgres text columns and terminals downstream).
 */
import { RagErrors } from '../errors.ts'

const CONTROL = /\r\n?|[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g

export function decodeText(bytes: Uint8Array, maxChars: number): string {
  // A UTF-8 character is at least one byte and at most one... UTF-16 unit per byte, so this bound is safe.
  if (bytes.length > maxChars * 4) throw RagErrors.documentTooLarge(`The document is ${bytes.length} bytes, more than ${maxChars * 4} bytes allowed for ${maxChars} characters.`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    throw RagErrors.documentUnparsable('The document is not valid UTF-8 text.')
  }
  return cleanText(text)
}

export function cleanText(text: string): string {
  return text.replace(CONTROL, (c) => (c[0] === '\r' ? '\n' : ''))
}
