/**
 * What the format module reports: a FormatError for a document it refuses, FormatWarnings for one it
 * accepts with a remark. Plain classes, not HTTP errors: the cms service maps them onto its own codes.
 *
 * Locations are 1-based. Columns count UTF-16 code units from the start of the line, as the
 * Language Server Protocol and browser editors do; a line ends at `\n`, `\r\n` or a lone `\r`.
 */
import type { ConfigFormat } from '../model.ts'

/**
 * - `syntax`: the text does not parse in its format;
 * - `limit`: it parses but is nested deeper, holds more keys or expands further than allowed;
 * - `schema`: it violates the namespace's JSON Schema (or the schema itself is invalid);
 * - `unsupported`: the operation does not apply (a schema on a text namespace, a nested value as properties).
 */
export type FormatErrorKind = 'syntax' | 'limit' | 'schema' | 'unsupported'

export interface FormatLocation {
  line?: number
  column?: number
  /** JSON pointer (RFC 6901) into the validated value, or into the schema for an invalid schema. */
  pointer?: string
}

export class FormatError extends Error {
  override readonly name = 'FormatError'
  readonly format: ConfigFormat
  readonly kind: FormatErrorKind
  readonly line?: number
  readonly column?: number
  readonly pointer?: string

  constructor(format: ConfigFormat, kind: FormatErrorKind, message: string, where: FormatLocation = {}) {
    super(message)
    this.format = format
    this.kind = kind
    if (where.line !== undefined) this.line = where.line
    if (where.column !== undefined) this.column = where.column
    if (where.pointer !== undefined) this.pointer = where.pointer
  }

  /** The fields an API response carries (the `details` of the cms domain's 422). */
  toJSON(): { format: ConfigFormat; kind: FormatErrorKind; message: string } & FormatLocation {
    const { format, kind, message, line, column, pointer } = this
    return { format, kind, message, ...(line !== undefined && { line, column }), ...(pointer !== undefined && { pointer }) }
  }
}

/** A remark on an accepted document: a duplicate key (last wins), an unknown YAML tag read as a string. */
export interface FormatWarning {
  message: string
  line?: number
  column?: number
  key?: string
}

/**
 * Line starts of a text, computed once, so that locating many offsets (one per duplicate key, say)
 * costs a binary search each instead of a scan from the start.
 */
export class LineIndex {
  private readonly starts: number[] = [0]

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 10) this.starts.push(i + 1)
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++
        this.starts.push(i + 1)
      }
    }
  }

  /** 1-based line and column of a 0-based offset (an offset past the end is placed after the last character). */
  locate(offset: number): { line: number; column: number } {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.starts[mid] <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 }
  }
}

/** Locates one offset, reading the text only up to it (an error at the 50,001st key of 10 MB reads 700 kB). */
export function locate(text: string, offset: number): { line: number; column: number } {
  return new LineIndex(text.slice(0, offset + 1)).locate(offset)
}

/** A lone surrogate cannot be encoded as UTF-8: refuse it where it is rather than store mojibake. */
export function assertWellFormed(format: ConfigFormat, text: string): void {
  const m = /\p{Surrogate}/u.exec(text)
  if (m) {
    const at = locate(text, m.index)
    throw new FormatError(format, 'syntax', 'The text is not valid Unicode (a lone UTF-16 surrogate)', at)
  }
}

/** Leading byte order mark, which editors on Windows add and JSON.parse refuses. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
