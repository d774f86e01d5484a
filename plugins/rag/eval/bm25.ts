/**
 * Plain BM25 (Robertson/Sparck Jones idf, k1 0.9, b 0.4 as Anserini's defaults), the reference row
 * every offline retriever is compared against. An inverted index over the shared analyzer; a query
 * scores only the postings of its own terms. Each document's term counts are kept too, for
 * pseudo-relevance feedback (feedback.ts), and a query can weight its terms (an RM3 query).
 */
import { analyze } from './tokenize.ts'

export interface Bm25Options { k1?: number; b?: number }
export interface Scored { id: string; score: number }

export class Bm25Index {
  readonly #k1: number
  readonly #b: number
  readonly #ids: string[] = []
  readonly #lengths: number[] = []
  readonly #postings = new Map<string, { doc: number[]; tf: number[] }>()
  readonly #termCounts: Map<string, number>[] = []
  readonly #byId = new Map<string, number>()
  #totalLength = 0

  constructor(opts: Bm25Options = {}) {
    this.#k1 = opts.k1 ?? 0.9
    this.#b = opts.b ?? 0.4
  }

  get size(): number {
    return this.#ids.length
  }

  add(id: string, text: string): void {
    const doc = this.#ids.length
    const terms = analyze(text)
    this.#ids.push(id)
    if (!this.#byId.has(id)) this.#byId.set(id, doc)
    this.#lengths.push(terms.length)
    this.#totalLength += terms.length
    const tf = new Map<string, number>()
    for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1)
    for (const [term, n] of tf) {
      let p = this.#postings.get(term)
      if (!p) this.#postings.set(term, (p = { doc: [], tf: [] }))
      p.doc.push(doc)
      p.tf.push(n)
    }
    this.#termCounts.push(tf)
  }

  /** A document's analyzed term counts and length (the first document added under `id`). */
  document(id: string): { counts: ReadonlyMap<string, number>; length: number } | undefined {
    const d = this.#byId.get(id)
    return d === undefined ? undefined : { counts: this.#termCounts[d]!, length: this.#lengths[d]! }
  }

  idf(term: string): number {
    const df = this.#postings.get(term)?.doc.length ?? 0
    const n = this.#ids.length
    return Math.log(1 + (n - df + 0.5) / (df + 0.5))
  }

  /** The top `k` documents for `query`, best first (ties by insertion order). */
  search(query: string, k = 10): Scored[] {
    return this.searchWeighted(new Map([...new Set(analyze(query))].map((t) => [t, 1])), k)
  }

  /** The top `k` documents for analyzed terms with weights: Σ weight · BM25(term, doc). */
  searchWeighted(terms: ReadonlyMap<string, number>, k = 10): Scored[] {
    const scores = new Float64Array(this.#ids.length)
    const avg = this.#totalLength / Math.max(1, this.#ids.length)
    const touched: number[] = []
    for (const [term, weight] of terms) {
      const p = this.#postings.get(term)
      if (!p || !(weight > 0)) continue
      const idf = weight * this.idf(term)
      for (let i = 0; i < p.doc.length; i++) {
        const d = p.doc[i]!
        const tf = p.tf[i]!
        const norm = this.#k1 * (1 - this.#b + (this.#b * this.#lengths[d]!) / avg)
        if (scores[d] === 0) touched.push(d)
        scores[d]! += (idf * tf * (this.#k1 + 1)) / (tf + norm)
      }
    }
    return touched
      .sort((a, b) => scores[b]! - scores[a]! || a - b)
      .slice(0, k)
      .map((d) => ({ id: this.#ids[d]!, score: scores[d]! }))
  }
}
