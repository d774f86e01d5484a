/**
 * Cuts one section's text into units the chunker packs: sentences and lines first, then words for
 * a unit over the budget, then fixed character windows for a run with no space at all. Each unit
 * carries the strength of the boundary it ends on, so the packer can prefer paragraph ends over
 * sentence ends over arbitrary cuts. Every cut lies between UTF-16 code points, never inside a
 * surrogate pair. One linear scan; token counts are taken per unit, on bounded strings (BPE cost
 * grows with the square of an unbroken run, so nothing longer than MAX_UNIT_CHARS is counted whole).
 */
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base'

/** How good a place to end a chunk a boundary is (higher is better). */
export const Strength = { Cut: 0, Word: 1, Sentence: 2, Line: 3, Paragraph: 4 } as const
export type Strength = (typeof Strength)[keyof typeof Strength]

export interface Unit { start: number; end: number; strength: Strength; tokens: number }

const PLAIN = { disallowedSpecial: new Set<string>() }
const SENTENCE_END = new Set(['.', '!', '?', '。', '！', '？', ';'])

export function tokenCount(s: string): number {
  return countTokens(s, PLAIN)
}

const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0x3000
const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff

/** Units of text[start, end), in order, covering it exactly. */
export function segment(text: string, start: number, end: number, maxTokens: number): Unit[] {
  const maxChars = Math.max(64, maxTokens * 8)
  const out: Unit[] = []
  let from = start
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    let strength: Strength | undefined
    if (c === 10) strength = i > start && text.charCodeAt(i - 1) === 10 ? Strength.Paragraph : Strength.Line
    else if (SENTENCE_END.has(text[i]!) && (i + 1 >= end || isSpace(text.charCodeAt(i + 1)))) strength = Strength.Sentence
    if (strength !== undefined) {
      // A newline right after a sentence end upgrades the cut; it is the same boundary.
      if (strength >= Strength.Line && out.length > 0 && out.at(-1)!.end === i && from === i) {
        out.at(-1)!.end = i + 1
        out.at(-1)!.strength = strength
        from = i + 1
        continue
      }
      addPiece(out, text, from, i + 1, strength, maxTokens, maxChars)
      from = i + 1
    }
  }
  if (from < end) addPiece(out, text, from, end, Strength.Paragraph, maxTokens, maxChars)
  return out
}

function addPiece(out: Unit[], text: string, start: number, end: number, strength: Strength, maxTokens: number, maxChars: number): void {
  if (end - start <= maxChars) {
    const tokens = tokenCount(text.slice(start, end))
    if (tokens <= maxTokens) {
      out.push({ start, end, strength, tokens })
      return
    }
  }
  // Too long: split before each whitespace run.
  let from = start
  for (let i = start + 1; i < end; i++) {
    if (isSpace(text.charCodeAt(i)) && !isSpace(text.charCodeAt(i - 1))) {
      addWord(out, text, from, i, maxTokens, maxChars)
      from = i
    }
  }
  addWord(out, text, from, end, maxTokens, maxChars)
  out.at(-1)!.strength = strength
}

function addWord(out: Unit[], text: string, start: number, end: number, maxTokens: number, maxChars: number): void {
  if (end - start <= maxChars) {
    const tokens = tokenCount(text.slice(start, end))
    if (tokens <= maxTokens) {
      out.push({ start, end, strength: Strength.Word, tokens })
      return
    }
  }
  // No whitespace to cut at: character windows, shrunk until each fits the budget.
  let from = start
  let width = Math.min(maxChars, maxTokens * 2)
  while (from < end) {
    let cut = Math.min(end, from + width)
    if (cut < end && isHigh(text.charCodeAt(cut - 1))) cut--
    const tokens = tokenCount(text.slice(from, cut))
    if (tokens > maxTokens && cut - from > 2) {
      width = Math.max(2, Math.floor(width / 2))
      continue
    }
    out.push({ start: from, end: cut, strength: Strength.Cut, tokens })
    from = cut
  }
}
