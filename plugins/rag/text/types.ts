/** The shapes documents take on their way to the index: parsed text with sections, then chunks. */
export type DocumentFormat = 'text' | 'markdown' | 'html' | 'pdf' | 'json'

/** A run of the document's text under one heading path; [start, end) are UTF-16 offsets into `text`. */
export interface Section { start: number; end: number; headingPath: string[] }

export interface ParsedDocument { text: string; sections: Section[]; title?: string }

/** A piece of one section: `text === doc.text.slice(start, end)`; `tokens` is its cl100k token count. */
export interface Chunk { index: number; text: string; start: number; end: number; headingPath: string[]; tokens: number }

export interface ParseLimits { maxChars: number; timeoutMs?: number }
