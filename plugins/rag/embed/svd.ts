/**
 * Truncated SVD of a sparse matrix, randomized (Halko, Martinsson & Tropp 2011): project onto
 * `k + oversample` seeded Gaussian directions, a few power iterations, then an exact
 * eigen-decomposition of the small projected matrix. Cost is linear in the non-zeros (times the
 * projection width) and memory is two dense (rows or columns) × (k + oversample) blocks.
 */
import type { SparseRow } from './cooccurrence.ts'
import { gaussian } from './hash.ts'
import { orthonormalizeColumns, symmetricEigen } from './linalg.ts'

export interface SvdOptions { oversample?: number; powerIterations?: number }

/** The top-k right singular vectors (term side) of the sparse rows × v matrix, and their singular values. */
export function truncatedSvd(rows: readonly SparseRow[], v: number, k: number, opts: SvdOptions, rand: () => number) {
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
