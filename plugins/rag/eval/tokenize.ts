/**
 * The one analyzer shared by BM25 and the offline embedder: lowercase, Unicode letter/digit runs,
 * English stopwords dropped, light (plural and common verb suffix) stemming. Sharing it keeps the
 * lexical and vector sides of a hybrid search agreeing on what a "term" is.
 *
 * Linear in the input: one sticky-free global regex over letter/digit runs (no backtracking), and
 * terms longer than MAX_TERM are dropped (a megabyte without a space is not a word).
 */
const WORD = /[\p{L}\p{N}]+/gu
const MAX_TERM = 40

export const STOPWORDS: ReadonlySet<string> = new Set(
  ('a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with ' +
    'i me my we our you your he him his she her its them what which who whom whose when where why how do does did done doing ' +
    'am been being have has had having can could should would may might must shall so than too very s t just also about ' +
    'from up down out off over under again further once here all any both each few more most other some own same only nor ' +
    'were those whats whos hes shes im ive youre theyre dont doesnt didnt isnt arent wasnt')
    .split(' '),
)

/** Light English stemming: plural and -ing/-ed endings, guarded so short words survive. */
export function stem(w: string): string {
  if (w.length <= 3 || /\d/.test(w)) return w
  if (w.endsWith('ies') && w.length > 4) return w.slice(0, -3) + 'y'
  if (w.endsWith('sses')) return w.slice(0, -2)
  if (w.endsWith('ches') || w.endsWith('shes') || w.endsWith('xes') || w.endsWith('zes')) return w.slice(0, -2)
  if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) return w.slice(0, -1)
  if (w.endsWith('ing') && w.length > 5) return undouble(w.slice(0, -3))
  if (w.endsWith('ed') && w.length > 4 && !w.endsWith('eed')) return undouble(w.slice(0, -2))
  return w
}

/** "running" -> "runn" -> "run": a doubled final consonant left by suffix removal. */
function undouble(w: string): string {
  const n = w.length
  if (n >= 3 && w[n - 1] === w[n - 2] && !'aeiouls'.includes(w[n - 1]!)) return w.slice(0, -1)
  return w
}

/** Analyzed terms of `text`, in order. */
export function analyze(text: string): string[] {
  const out: string[] = []
  for (const m of text.toLowerCase().matchAll(WORD)) {
    const w = m[0]
    if (w.length > MAX_TERM || STOPWORDS.has(w)) continue
    out.push(stem(w))
  }
  return out
}
