/**
 * The offline answerer: no LLM, only sentences taken verbatim from the retrieved chunks. Each
 * sentence is scored by the idf-weighted share of the question's terms it contains (idf over the
 * retrieved chunks, so words common to all of them count little), plus a small bonus for the
 * chunk's retrieval rank; the best few become the answer, each with a citation whose offsets are
 * document offsets (chunk.start + offset in the chunk), so quote === documentText.slice(start, end).
 */
import { analyze } from '../eval/tokenize.ts'

export interface RetrievedChunk { documentId: string; chunkId: string; text: string; start: number; end: number; score: number; title?: string }
export interface Citation { documentId: string; chunkId: string; start: number; end: number; quote: string }

const MAX_SENTENCE_CHARS = 600
const NO_ANSWER = 'No passage in the knowledge base answers this question.'

interface Candidate { chunk: number; start: number; end: number; score: number }

export function composeExtractiveAnswer(question: string, chunks: RetrievedChunk[], opts: { maxSentences?: number } = {}): { text: string; citations: Citation[] } {
  const maxSentences = Math.max(1, Math.min(10, Math.floor(opts.maxSentences ?? 3)))
  const qTerms = [...new Set(analyze(question))]
  if (qTerms.length === 0 || chunks.length === 0) return { text: NO_ANSWER, citations: [] }
  const chunkTerms = chunks.map((c) => new Set(analyze(c.text)))
  const idf = new Map(qTerms.map((t) => [t, Math.log(1 + (chunks.length + 1) / (1 + chunkTerms.filter((s) => s.has(t)).length))]))
  const total = qTerms.reduce((s, t) => s + idf.get(t)!, 0)

  const candidates: Candidate[] = []
  chunks.forEach((chunk, ci) => {
    for (const [s, e] of sentences(chunk.text)) {
      const terms = new Set(analyze(chunk.text.slice(s, e)))
      const matched = qTerms.reduce((sum, t) => sum + (terms.has(t) ? idf.get(t)! : 0), 0)
      if (matched === 0) continue
      candidates.push({ chunk: ci, start: s, end: e, score: matched / total + 0.05 / (ci + 1) })
    }
  })
  const picked = candidates.sort((a, b) => b.score - a.score || a.chunk - b.chunk || a.start - b.start).slice(0, maxSentences)
  if (picked.length === 0) return { text: NO_ANSWER, citations: [] }
  picked.sort((a, b) => a.chunk - b.chunk || a.start - b.start)

  const citations: Citation[] = []
  const parts: string[] = []
  for (const p of picked) {
    const chunk = chunks[p.chunk]!
    const quote = chunk.text.slice(p.start, p.end)
    let n = citations.findIndex((c) => c.chunkId === chunk.chunkId && c.start === chunk.start + p.start)
    if (n < 0) n = citations.push({ documentId: chunk.documentId, chunkId: chunk.chunkId, start: chunk.start + p.start, end: chunk.start + p.end, quote }) - 1
    parts.push(`${quote} [${n + 1}]`)
  }
  return { text: parts.join(' '), citations }
}

/** Sentence spans of `text`, trimmed, each at most MAX_SENTENCE_CHARS long (one linear scan). */
export function sentences(text: string): [number, number][] {
  const out: [number, number][] = []
  let from = 0
  const push = (s: number, e: number) => {
    while (s < e && /\s/.test(text[s]!)) s++
    while (e > s && /\s/.test(text[e - 1]!)) e--
    for (let a = s; a < e; a += MAX_SENTENCE_CHARS) {
      let b = Math.min(e, a + MAX_SENTENCE_CHARS)
      // Never end a quote between the halves of a surrogate pair.
      if (b < e && text.charCodeAt(b - 1) >= 0xd800 && text.charCodeAt(b - 1) <= 0xdbff) b--
      if (b > a) out.push([a, b])
      if (b !== Math.min(e, a + MAX_SENTENCE_CHARS)) a = b - MAX_SENTENCE_CHARS
    }
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    const end = c === '\n' || ((c === '.' || c === '!' || c === '?') && (i + 1 === text.length || /\s/.test(text[i + 1]!)))
    if (end) {
      push(from, i + 1)
      from = i + 1
    }
  }
  push(from, text.length)
  return out
}
