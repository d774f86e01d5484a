/**
 * The dense linear algebra the corpus model needs, sized for a few hundred columns: in-place
 * column orthonormalisation (Gram–Schmidt, twice for stability) and the eigen-decomposition
 * of a small symmetric matrix (cyclic Jacobi). Row-major Float64Arrays.
 */

/**
 * Orthonormalises the `cols` columns of the rows×cols matrix `m` in place; a dependent column becomes 0.
 * Classical Gram–Schmidt run twice per column ("CGS2", as stable as modified Gram–Schmidt): each
 * pass walks the rows in memory order, which a row-major matrix with many rows needs to be fast.
 */
export function orthonormalizeColumns(m: Float64Array, rows: number, cols: number): void {
  const dots = new Float64Array(cols)
  for (let j = 0; j < cols; j++) {
    for (let pass = 0; pass < 2; pass++) {
      if (j === 0) break
      dots.fill(0, 0, j)
      for (let r = 0; r < rows; r++) {
        const o = r * cols
        const x = m[o + j]!
        if (x === 0) continue
        for (let i = 0; i < j; i++) dots[i]! += m[o + i]! * x
      }
      for (let r = 0; r < rows; r++) {
        const o = r * cols
        let s = 0
        for (let i = 0; i < j; i++) s += dots[i]! * m[o + i]!
        m[o + j]! -= s
      }
    }
    let norm = 0
    for (let r = 0; r < rows; r++) norm += m[r * cols + j]! ** 2
    norm = Math.sqrt(norm)
    const inv = norm > 1e-10 ? 1 / norm : 0
    for (let r = 0; r < rows; r++) m[r * cols + j]! *= inv
  }
}

/**
 * Eigenvalues (descending) and eigenvectors (columns of `vectors`, n×n row-major) of the
 * symmetric n×n matrix `a` (not modified).
 */
export function symmetricEigen(a: Float64Array, n: number, maxSweeps = 60): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a)
  const v = new Float64Array(n * n)
  for (let i = 0; i < n; i++) v[i * n + i] = 1
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q]! ** 2
    if (off < 1e-22) break
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!
        if (Math.abs(apq) < 1e-300) continue
        const theta = (m[q * n + q]! - m[p * n + p]!) / (2 * apq)
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1))
        const c = 1 / Math.sqrt(t * t + 1)
        const s = t * c
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p]!
          const akq = m[k * n + q]!
          m[k * n + p] = c * akp - s * akq
          m[k * n + q] = s * akp + c * akq
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k]!
          const aqk = m[q * n + k]!
          m[p * n + k] = c * apk - s * aqk
          m[q * n + k] = s * apk + c * aqk
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!
          const vkq = v[k * n + q]!
          v[k * n + p] = c * vkp - s * vkq
          v[k * n + q] = s * vkp + c * vkq
        }
      }
    }
  }
  const order = [...Array(n).keys()].sort((i, j) => m[j * n + j]! - m[i * n + i]!)
  const values = Float64Array.from(order, (i) => m[i * n + i]!)
  const vectors = new Float64Array(n * n)
  for (let r = 0; r < n; r++) order.forEach((i, c) => (vectors[r * n + c] = v[r * n + i]!))
  return { values, vectors }
}
