/**
 * Uploaded bytes to a ParsedDocument: one text string with sections, in every format. Plain text
 * and JSON parse on this thread (both linear); Markdown, HTML and PDF parse in a worker with a
 * deadline (isolate.ts). Every failure is a RAG_ error with a message naming the problem.
 */
import { RagErrors } from '../errors.ts'
import { decodeText } from './decode.ts'
import { parseIsolated } from './isolate.ts'
import { parseJson } from './json.ts'
import type { DocumentFormat, ParsedDocument, ParseLimits } from './types.ts'

const DEFAULT_TIMEOUT_MS = 10_000
const MAX_TIMEOUT_MS = 120_000

const BY_TYPE: Record<string, DocumentFormat> = {
  'text/plain': 'text',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/pdf': 'pdf',
  'application/x-pdf': 'pdf',
  'application/json': 'json',
  'text/json': 'json',
}
const BY_EXTENSION: Record<string, DocumentFormat> = {
  txt: 'text', text: 'text', md: 'markdown', markdown: 'markdown', mdown: 'markdown', mkd: 'markdown',
  html: 'html', htm: 'html', xhtml: 'html', pdf: 'pdf', json: 'json',
}
const FORMATS = new Set<DocumentFormat>(['text', 'markdown', 'html', 'pdf', 'json'])

/** The format from the content type (parameters ignored), else the file extension; undefined if neither names one. */
export function detectFormat(contentType: string | undefined, filename: string | undefined): DocumentFormat | undefined {
  const type = contentType?.split(';')[0]!.trim().toLowerCase()
  if (type) {
    const f = BY_TYPE[type] ?? (type.endsWith('+json') ? 'json' : undefined)
    if (f) return f
  }
  const dot = filename?.lastIndexOf('.') ?? -1
  if (filename && dot >= 0) return BY_EXTENSION[filename.slice(dot + 1).toLowerCase()]
  return undefined
}

export async function parseDocument(bytes: Uint8Array, format: DocumentFormat, limits: ParseLimits): Promise<ParsedDocument> {
  if (!FORMATS.has(format)) throw RagErrors.unsupportedFormat(`The format "${String(format).slice(0, 40)}" is not one of text, markdown, html, pdf, json.`)
  const { maxChars } = limits
  if (!Number.isInteger(maxChars) || maxChars < 1) throw RagErrors.documentTooLarge('maxChars must be a positive integer.')
  const timeoutMs = Math.min(limits.timeoutMs ?? DEFAULT_TIMEOUT_MS, MAX_TIMEOUT_MS)
  if (bytes.length === 0) throw RagErrors.documentEmpty('The document is empty.')
  let doc: ParsedDocument
  if (format === 'pdf') {
    if (bytes.length > maxChars * 64) throw RagErrors.documentTooLarge(`The PDF is ${bytes.length} bytes, more than ${maxChars * 64} allowed.`)
    doc = await parseIsolated({ format, bytes, maxChars }, timeoutMs)
  } else {
    const source = decodeText(bytes, maxChars)
    if (format === 'text') doc = plain(source, maxChars)
    else if (format === 'json') doc = parseJson(source, maxChars)
    else doc = await parseIsolated({ format, source, maxChars }, timeoutMs)
  }
  if (doc.text.trim() === '' || doc.sections.length === 0) throw RagErrors.documentEmpty(`The ${format} document has no text.`)
  return doc
}

function plain(source: string, maxChars: number): ParsedDocument {
  const text = source.trim()
  if (text.length > maxChars) throw RagErrors.documentTooLarge(`The document's text is longer than ${maxChars} characters.`)
  return { text, sections: text ? [{ start: 0, end: text.length, headingPath: [] }] : [] }
}
