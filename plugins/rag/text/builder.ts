/**
 * Accumulates a parsed document's text block by block, tracking which heading path each run of
 * text sits under. Blocks are separated by a blank line; a heading starts a new section whose text
 * begins with the heading itself. The character limit is checked as text is added, so a hostile
 * document stops growing memory as soon as it passes the limit.
 */
import { RagErrors } from '../errors.ts'
import type { ParsedDocument, Section } from './types.ts'

const MAX_HEADING = 200
const WS = /\s+/g

export function collapse(s: string): string {
  return s.replace(WS, ' ').trim()
}

export class TextBuilder {
  readonly #parts: string[] = []
  readonly #sections: Section[] = []
  readonly #headings: { level: number; title: string }[] = []
  #length = 0
  /** Where the open section starts; null until its first text arrives (separators come before text). */
  #start: number | null = null
  #path: string[] = []
  title: string | undefined

  constructor(readonly maxChars: number) {}

  get length(): number {
    return this.#length
  }

  /** Appends a block of text (leading and trailing whitespace dropped). */
  block(text: string): void {
    const s = text.trim()
    if (s === '') return
    if (this.#length > 0) this.#append('\n\n')
    this.#start ??= this.#length
    this.#append(s)
  }

  /** Starts a section under a heading of `level` (1 = outermost), whose text starts with the heading. */
  heading(level: number, title: string): void {
    const t = collapse(title).slice(0, MAX_HEADING)
    while (this.#headings.length > 0 && this.#headings.at(-1)!.level >= level) this.#headings.pop()
    if (t !== '') this.#headings.push({ level, title: t })
    this.section(this.#headings.map((h) => h.title))
    this.block(t)
  }

  /** Starts a section with an explicit heading path (a PDF page, a JSON record). */
  section(path: string[]): void {
    this.#close()
    this.#start = null
    this.#path = path
  }

  finish(): ParsedDocument {
    this.#close()
    this.#start = null
    const text = this.#parts.join('')
    return this.title ? { text, sections: this.#sections, title: this.title } : { text, sections: this.#sections }
  }

  #close(): void {
    if (this.#start !== null && this.#length > this.#start) this.#sections.push({ start: this.#start, end: this.#length, headingPath: this.#path })
  }

  #append(s: string): void {
    this.#length += s.length
    if (this.#length > this.maxChars) throw RagErrors.documentTooLarge(`The document's text is longer than ${this.maxChars} characters.`)
    this.#parts.push(s)
  }
}
