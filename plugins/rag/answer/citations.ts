/**
 * Checks citations against the stored documents: a citation is valid only when its document
 * exists, its offsets are a well-formed span inside the text, and the quote is exactly that span.
 * Anything an answerer (or a model) made up lands in `invalid` instead of reaching the user.
 */
import type { Citation } from './offline.ts'

export function verifyCitations(citations: Citation[], documentText: (documentId: string) => string | undefined): { valid: Citation[]; invalid: Citation[] } {
  const valid: Citation[] = []
  const invalid: Citation[] = []
  for (const c of citations) {
    const text = typeof c.documentId === 'string' ? documentText(c.documentId) : undefined
    const ok =
      text !== undefined &&
      Number.isInteger(c.start) && Number.isInteger(c.end) &&
      c.start >= 0 && c.end > c.start && c.end <= text.length &&
      typeof c.quote === 'string' && text.slice(c.start, c.end) === c.quote
    ;(ok ? valid : invalid).push(c)
  }
  return { valid, invalid }
}
