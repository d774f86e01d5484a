/**
 * Sections to token-bounded chunks. Each section is segmented into units (segment.ts) and units
 * are packed greedily up to `maxTokens`; the cut is moved back to the strongest boundary (paragraph,
 * line, sentence) that keeps the chunk at least half full. The next chunk starts with the trailing
 * units of the previous one worth at most `overlapTokens`. A chunk never crosses a section, so it
 * carries exactly one heading path, and its text is always `doc.text.slice(start, end)` (trimmed
 * by moving the offsets, never by editing the text).
 *
 * Work is linear: every unit is counted once, every chunk once more for its exact token count.
 */
import { RagErrors } from '../errors.ts'
import { segment, tokenCount, type Unit } from './segment.ts'
import type { Chunk, ParsedDocument } from './types.ts'

const MIN_TOKENS = 16
const MAX_TOKENS = 8192

export interface ChunkOptions { maxTokens: number; overlapTokens: number }

export function chunkDocument(doc: ParsedDocument, opts: ChunkOptions): Chunk[] {
  const { maxTokens, overlapTokens } = opts
  if (!Number.isInteger(maxTokens) || maxTokens < MIN_TOKENS || maxTokens > MAX_TOKENS) {
    throw RagErrors.invalidChunking(`maxTokens must be an integer from ${MIN_TOKENS} to ${MAX_TOKENS}.`)
  }
  if (!Number.isInteger(overlapTokens) || overlapTokens < 0 || overlapTokens > maxTokens / 2) {
    throw RagErrors.invalidChunking('overlapTokens must be an integer from 0 to half of maxTokens.')
  }
  const chunks: Chunk[] = []
  for (const section of doc.sections) {
    const start = Math.max(0, section.start)
    const end = Math.min(doc.text.length, section.end)
    if (end <= start) continue
    const units = segment(doc.text, start, end, maxTokens)
    packSection(doc.text, units, maxTokens, overlapTokens, (s, e, tokens) => {
      chunks.push({ index: chunks.length, text: doc.text.slice(s, e), start: s, end: e, headingPath: [...section.headingPath], tokens })
    })
  }
  return chunks
}

function packSection(text: string, units: Unit[], maxTokens: number, overlap: number, emit: (s: number, e: number, tokens: number) => void): void {
  const prefix = new Float64Array(units.length + 1)
  units.forEach((u, i) => (prefix[i + 1] = prefix[i]! + u.tokens))
  const sum = (a: number, b: number) => prefix[b]! - prefix[a]!
  let i = 0
  while (i < units.length) {
    let j = i + 1
    while (j < units.length && sum(i, j + 1) <= maxTokens) j++
    let k = j
    if (j < units.length) {
      // Best boundary in the back half: strongest wins, later wins a tie.
      for (let c = j - 1; c > i && sum(i, c) >= maxTokens / 2; c--) if (units[c - 1]!.strength > units[k - 1]!.strength) k = c
    }
    // BPE counts are not exactly additive across unit joins: drop units until the real count fits.
    let span = trim(text, units[i]!.start, units[k - 1]!.end)
    let tokens = span ? tokenCount(text.slice(span[0], span[1])) : 0
    while (tokens > maxTokens && k - i > 1) {
      k--
      span = trim(text, units[i]!.start, units[k - 1]!.end)
      tokens = span ? tokenCount(text.slice(span[0], span[1])) : 0
    }
    if (span && tokens <= maxTokens) emit(span[0], span[1], tokens)
    else if (span) emitSplit(text, span[0], span[1], maxTokens, emit)
    if (k >= units.length) break
    let o = k
    while (o - 1 > i && sum(o - 1, k) <= overlap) o--
    i = o
  }
}

/**
 * One unit whose trimmed text counts more than its untrimmed self (dropping a leading space can
 * change the BPE merges): halve it, surrogate-safe, until each half fits.
 */
function emitSplit(text: string, start: number, end: number, maxTokens: number, emit: (s: number, e: number, tokens: number) => void): void {
  const tokens = tokenCount(text.slice(start, end))
  if (tokens <= maxTokens || end - start < 4) return emit(start, end, tokens)
  let mid = start + Math.floor((end - start) / 2)
  if (text.charCodeAt(mid - 1) >= 0xd800 && text.charCodeAt(mid - 1) <= 0xdbff) mid--
  for (const [a, b] of [[start, mid], [mid, end]] as const) {
    const span = trim(text, a, b)
    if (span) emitSplit(text, span[0], span[1], maxTokens, emit)
  }
}

/** [start, end) without leading and trailing whitespace; undefined when nothing is left. */
function trim(text: string, start: number, end: number): [number, number] | undefined {
  while (start < end && /\s/.test(text[start]!)) start++
  while (end > start && /\s/.test(text[end - 1]!)) end--
  return end > start ? [start, end] : undefined
}

/** What gets embedded for a chunk: its title and heading path as context, then its text. */
export function embeddingInput(chunk: Chunk, title?: string): string {
  const path = [title?.trim(), ...chunk.headingPath].filter((p): p is string => !!p)
  const deduped = path.filter((p, i) => i === 0 || p !== path[i - 1])
  return deduped.length > 0 ? `${deduped.join(' > ')}\n\n${chunk.text}` : chunk.text
}
