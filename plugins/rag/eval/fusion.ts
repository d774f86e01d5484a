/**
 * Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ_lists weight / (k + rank). Ranks,
 * not scores, so BM25's unbounded scores and cosines need no calibration against each other.
 */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], opts: { k?: number; weights?: readonly number[] } = {}): string[] {
  const k = opts.k ?? 60
  const score = new Map<string, number>()
  lists.forEach((list, l) => {
    const w = opts.weights?.[l] ?? 1
    list.forEach((id, rank) => score.set(id, (score.get(id) ?? 0) + w / (k + rank + 1)))
  })
  return [...score].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id)
}
