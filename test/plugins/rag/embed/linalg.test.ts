import t from 'tap'
import { prng, gaussian } from '../../../../plugins/rag/embed/hash.ts'
import { orthonormalizeColumns, symmetricEigen } from '../../../../plugins/rag/embed/linalg.ts'
import { truncatedSvd } from '../../../../plugins/rag/embed/svd.ts'

t.test('orthonormalizeColumns: orthonormal columns spanning the same space; a dependent column becomes 0', async (t) => {
  const rows = 50
  const cols = 6
  const rand = prng(1)
  const m = new Float64Array(rows * cols)
  for (let i = 0; i < m.length; i++) m[i] = gaussian(rand)
  for (let r = 0; r < rows; r++) m[r * cols + 5] = 2 * m[r * cols + 0]! - m[r * cols + 3]! // column 5 depends on 0 and 3
  const original = Float64Array.from(m)
  orthonormalizeColumns(m, rows, cols)
  const col = (a: Float64Array, j: number) => Float64Array.from({ length: rows }, (_, r) => a[r * cols + j]!)
  const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, v, i) => s + v * y[i]!, 0)
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) t.ok(Math.abs(dot(col(m, i), col(m, j)) - (i === j ? 1 : 0)) < 1e-10, `q${i}·q${j}`)
  }
  t.ok(col(m, 5).every((x) => x === 0), 'the dependent column is zeroed')
  // Gram–Schmidt keeps the span: column 2 of the input is a combination of q0..q2 only.
  const a2 = col(original, 2)
  let rest = Float64Array.from(a2)
  for (let j = 0; j < 3; j++) {
    const q = col(m, j)
    const c = dot(a2, q)
    rest = rest.map((x, r) => x - c * q[r]!)
  }
  t.ok(Math.sqrt(dot(rest, rest)) < 1e-9)
})

t.test('symmetricEigen and truncatedSvd recover a known decomposition', async (t) => {
  const { values } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2)
  t.ok(Math.abs(values[0]! - 3) < 1e-12 && Math.abs(values[1]! - 1) < 1e-12)
  // A diagonal 4×3 sparse matrix diag(5, 3, 1): singular values 5, 3 and right singular vectors e0, e1.
  const rows = [0, 1, 2, 3].map((r) => (r < 3 ? { ids: Uint32Array.of(r), w: Float64Array.of([5, 3, 1][r]!) } : { ids: new Uint32Array(0), w: new Float64Array(0) }))
  const { sigma, vectors } = truncatedSvd(rows, 3, 2, {}, prng(3))
  t.ok(Math.abs(sigma[0]! - 5) < 1e-6 && Math.abs(sigma[1]! - 3) < 1e-6)
  t.ok(Math.abs(Math.abs(vectors[0 * 2 + 0]!) - 1) < 1e-6 && Math.abs(Math.abs(vectors[1 * 2 + 1]!) - 1) < 1e-6)
})
