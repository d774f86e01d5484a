/**
 * What the offline embedder learns from one knowledge base's texts: document frequencies (for IDF
 * weights) and an LSA term space (a truncated SVD of the tf-idf document×term matrix), so terms
 * that occur in the same contexts ("car", "automobile") land near each other even when a query and
 * a passage share no word.
 *
 * The SVD is randomized (Halko, Martinsson & Tropp 2011): project onto `semanticDims + oversample`
 * seeded Gaussian directions, a few power iterations, then an exact eigen-decomposition of the
 * small projected matrix. Cost is linear in the corpus's non-zeros; learning samples at most
 * `maxDocs` texts (seeded reservoir), so a huge base costs bounded time and memory.
 *
 * It also keeps the texts' mean analyzed length, so the embedder can weight terms the way BM25 does
 * (saturating tf, normalised by the text's length against that mean).
 *
 * Everything is seeded: the same texts give the same model, and the model is plain JSON (term
 * vectors quantised to int8 with a per-term scale) so it can be stored beside the base's vectors.
 */
import { RagErrors } from '../errors.ts'
import { analyze } from '../eval/tokenize.ts'
import { gaussian, prng } from './hash.ts'
import { orthonormalizeColumns, symmetricEigen } from './linalg.ts'

export interface LearnOptions {
  semanticDims?: number
  maxVocabulary?: number
  minDf?: number
  maxDocs?: number
  oversample?: number
  powerIterations?: number
  seed?: number
}

export interface CorpusModelJson {
  /** 1: no avgLength (the embedder falls back to log-tf weights); 2: with avgLength. */
  version: 1 | 2
  docCount: number
  avgLength?: number
  semanticDims: number
  terms: string[]
  df: number[]
  sigma: number[]
  scales: number[]
  vectors: string
}

const LIMITS = { semanticDims: 512, maxVocabulary: 200_000, terms: 200_000 }

export class CorpusModel {
  readonly #index = new Map<string, number>()

  constructor(
    readonly docCount: number,
    readonly semanticDims: number,
    readonly terms: readonly string[],
    readonly df: Uint32Array,
    readonly sigma: Float32Array,
    /** terms.length × semanticDims, row-major: each term's LSA coordinates (V_k rows). */
    readonly vectors: Float32Array,
    /** Mean analyzed length of the learned texts; 0 when unknown (a version 1 model). */
    readonly avgLength = 0,
  ) {
    terms.forEach((t, i) => this.#index.set(t, i))
  }

  termId(term: string): number | undefined {
    return this.#index.get(term)
  }

  /** BM25-style idf; a term outside the vocabulary is treated as seen once (rare, so informative). */
  idf(term: string): number {
    const id = this.#index.get(term)
    const df = id === undefined ? 1 : this.df[id]!
    return Math.log(1 + (this.docCount - df + 0.5) / (df + 0.5))
  }

  toJSON(): CorpusModelJson {
    const k = this.semanticDims
    const q = new Int8Array(this.vectors.length)
    const scales: number[] = []
    for (let t = 0; t < this.terms.length; t++) {
      let max = 0
      for (let j = 0; j < k; j++) max = Math.max(max, Math.abs(this.vectors[t * k + j]!))
      const scale = max / 127
      scales.push(scale)
      for (let j = 0; j < k; j++) q[t * k + j] = scale === 0 ? 0 : Math.round(this.vectors[t * k + j]! / scale)
    }
    return {
      version: 2,
      docCount: this.docCount,
      avgLength: this.avgLength,
      semanticDims: k,
      terms: [...this.terms],
      df: [...this.df],
      sigma: [...this.sigma],
      scales,
      vectors: Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64'),
    }
  }

  /** Rebuilds a stored model, checking every field: a stored model is input like any other. */
  static fromJSON(json: unknown): CorpusModel {
    const bad = (why: string) => RagErrors.invalidCorpusModel(`The corpus model is not valid: ${why}.`)
    if (typeof json !== 'object' || json === null) throw bad('not an object')
    const j = json as Partial<CorpusModelJson>
    if (j.version !== 1 && j.version !== 2) throw bad('unknown version')
    const avgLength = j.version === 2 ? j.avgLength : 0
    if (typeof avgLength !== 'number' || !Number.isFinite(avgLength) || avgLength < 0) throw bad('avgLength is not a non-negative number')
    const k = j.semanticDims
    if (!Number.isInteger(k) || k! < 0 || k! > LIMITS.semanticDims) throw bad('semanticDims out of range')
    if (!Number.isInteger(j.docCount) || j.docCount! < 0) throw bad('docCount is not a count')
    const { terms, df, sigma, scales } = j
    if (!Array.isArray(terms) || terms.length > LIMITS.terms || !terms.every((t) => typeof t === 'string')) throw bad('terms is not a list of strings')
    if (!Array.isArray(df) || df.length !== terms.length || !df.every((n) => Number.isInteger(n) && n >= 0)) throw bad('df does not match terms')
    if (!Array.isArray(sigma) || sigma.length !== k || !sigma.every(Number.isFinite)) throw bad('sigma does not match semanticDims')
    if (!Array.isArray(scales) || scales.length !== terms.length || !scales.every(Number.isFinite)) throw bad('scales does not match terms')
    if (typeof j.vectors !== 'string') throw bad('vectors is not base64')
    const bytes = Buffer.from(j.vectors, 'base64')
    if (bytes.length !== terms.length * k!) throw bad('vectors has the wrong length')
    const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length)
    const vectors = new Float32Array(q.length)
    for (let t = 0; t < terms.length; t++) for (let c = 0; c < k!; c++) vectors[t * k! + c] = q[t * k! + c]! * scales[t]!
    return new CorpusModel(j.docCount!, k!, terms, Uint32Array.from(df), Float32Array.from(sigma), vectors, avgLength)
  }
}

interface SparseRow { ids: Uint32Array; w: Float64Array }

export function learnCorpusModel(texts: Iterable<string>, opts: LearnOptions = {}): CorpusModel {
  const k0 = opts.semanticDims ?? 128
  const maxVocabulary = opts.maxVocabulary ?? 50_000
  if (!Number.isInteger(k0) || k0 < 0 || k0 > LIMITS.semanticDims) throw RagErrors.invalidEmbedder(`semanticDims must be an integer from 0 to ${LIMITS.semanticDims}`)
  if (!Number.isInteger(maxVocabulary) || maxVocabulary < 1 || maxVocabulary > LIMITS.maxVocabulary) throw RagErrors.invalidEmbedder(`maxVocabulary must be an integer from 1 to ${LIMITS.maxVocabulary}`)
  const minDf = opts.minDf ?? 2
  const maxDocs = opts.maxDocs ?? 20_000
  const rand = prng(opts.seed ?? 0x5eed)

  // Pass over all texts: document frequencies, and a seeded reservoir of analyzed texts for the SVD.
  const dfAll = new Map<string, number>()
  const sample: string[][] = []
  let n = 0
  let totalLength = 0
  for (const text of texts) {
    const terms = analyze(text)
    totalLength += terms.length
    for (const t of new Set(terms)) dfAll.set(t, (dfAll.get(t) ?? 0) + 1)
    if (sample.length < maxDocs) sample.push(terms)
    else {
      const slot = Math.floor(rand() * (n + 1))
      if (slot < maxDocs) sample[slot] = terms
    }
    n++
  }
  const vocab = [...dfAll].filter(([, df]) => df >= minDf).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, maxVocabulary)
  const terms = vocab.map(([t]) => t)
  const df = Uint32Array.from(vocab, ([, d]) => d)
  const index = new Map(terms.map((t, i) => [t, i]))
  const idf = Float64Array.from(df, (d) => Math.log(1 + (n - d + 0.5) / (d + 0.5)))

  const rows: SparseRow[] = []
  for (const doc of sample) {
    const tf = new Map<number, number>()
    for (const t of doc) {
      const id = index.get(t)
      if (id !== undefined) tf.set(id, (tf.get(id) ?? 0) + 1)
    }
    if (tf.size === 0) continue
    const ids = Uint32Array.from(tf.keys())
    const w = Float64Array.from(ids, (id) => (1 + Math.log(tf.get(id)!)) * idf[id]!)
    let norm = 0
    for (const x of w) norm += x * x
    norm = Math.sqrt(norm)
    for (let i = 0; i < w.length; i++) w[i]! /= norm
    rows.push({ ids, w })
  }
  const k = Math.min(k0, rows.length, terms.length)
  const sv = k === 0 ? { sigma: new Float32Array(0), vectors: new Float32Array(0) } : truncatedSvd(rows, terms.length, k, opts, rand)
  return new CorpusModel(n, k, terms, df, sv.sigma, sv.vectors, n === 0 ? 0 : totalLength / n)
}

/** The top-k right singular vectors (term side) of the sparse rows × v matrix, and their singular values. */
function truncatedSvd(rows: SparseRow[], v: number, k: number, opts: LearnOptions, rand: () => number) {
  const l = Math.min(k + (opts.oversample ?? 24), rows.length, v)
  const m = rows.length
  let z = new Float64Array(v * l) // v × l
  for (let i = 0; i < z.length; i++) z[i] = gaussian(rand)
  const y = new Float64Array(m * l) // m × l
  const multiply = () => { // y = A z
    y.fill(0)
    rows.forEach((row, r) => {
      for (let i = 0; i < row.ids.length; i++) {
        const off = row.ids[i]! * l
        const w = row.w[i]!
        for (let c = 0; c < l; c++) y[r * l + c]! += w * z[off + c]!
      }
    })
    orthonormalizeColumns(y, m, l)
  }
  const transpose = () => { // z = Aᵀ y (v × l): Bᵀ when y is Q
    z = new Float64Array(v * l)
    rows.forEach((row, r) => {
      for (let i = 0; i < row.ids.length; i++) {
        const off = row.ids[i]! * l
        const w = row.w[i]!
        for (let c = 0; c < l; c++) z[off + c]! += w * y[r * l + c]!
      }
    })
  }
  multiply()
  for (let p = 0; p < (opts.powerIterations ?? 2); p++) {
    transpose()
    orthonormalizeColumns(z, v, l)
    multiply()
  }
  transpose() // z = Bᵀ, with B = Qᵀ A (l × v)
  const bbt = new Float64Array(l * l)
  for (let t = 0; t < v; t++) {
    for (let i = 0; i < l; i++) {
      const zi = z[t * l + i]!
      if (zi === 0) continue
      for (let j = i; j < l; j++) bbt[i * l + j]! += zi * z[t * l + j]!
    }
  }
  for (let i = 0; i < l; i++) for (let j = 0; j < i; j++) bbt[i * l + j] = bbt[j * l + i]!
  const { values, vectors: u } = symmetricEigen(bbt, l)
  // V = Bᵀ Û Σ⁻¹: each term's coordinates on the top k singular directions.
  const sigma = Float32Array.from({ length: k }, (_, j) => Math.sqrt(Math.max(values[j]!, 0)))
  const out = new Float32Array(v * k)
  for (let t = 0; t < v; t++) {
    for (let j = 0; j < k; j++) {
      if (sigma[j]! === 0) continue
      let s = 0
      for (let i = 0; i < l; i++) s += z[t * l + i]! * u[i * l + j]!
      out[t * k + j] = s / sigma[j]!
    }
  }
  return { sigma, vectors: out }
}
