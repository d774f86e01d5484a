/**
 * A search query's shape, checked before any SQL is built: it comes from a tenant (through the RAG
 * domain), so every field is bounded and typed, and a bad one is RAG_QUERY_INVALID (400). The
 * embedding's dimension is checked against the knowledge base by the store.
 */
import type { SearchQuery } from '../ports/retrieval.ts'
import { RagStoreErrors } from './errors.ts'
import { storableText } from './predicate-sql.ts'
import { checkEmbedding, checkId, checkIndexVersion, STORE_LIMITS } from './validate.ts'

const bad = (why: string) => RagStoreErrors.queryInvalid(`Invalid search query: ${why}.`)
const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n)

/** Bounds on the fusion parameters: beyond them a query means nothing more, only overflow. */
const MAX_WEIGHT = 1_000
const MAX_RRF_K = 100_000

export function checkQuery(q: SearchQuery): SearchQuery {
  if (typeof q !== 'object' || q === null) throw bad('the query is an object')
  checkId('projectId', q.projectId)
  checkId('kbId', q.kbId)
  if (q.mode !== 'vector' && q.mode !== 'keyword' && q.mode !== 'hybrid') throw bad('mode is vector, keyword or hybrid')
  if (!Number.isSafeInteger(q.k) || q.k < 1 || q.k > STORE_LIMITS.maxK) throw bad(`k is a whole number from 1 to ${STORE_LIMITS.maxK}`)
  if (q.mode !== 'vector') {
    if (typeof q.text !== 'string' || q.text.trim() === '' || q.text.length > STORE_LIMITS.queryTextLength || !storableText(q.text)) {
      throw bad(`${q.mode} search needs a text of 1-${STORE_LIMITS.queryTextLength} characters`)
    }
  }
  if (q.mode !== 'keyword') {
    if (q.embedding === undefined) throw bad(`${q.mode} search needs an embedding`)
    checkEmbedding(q.embedding, q.embedding instanceof Float32Array ? q.embedding.length : -1, bad)
    if (q.embedding.length === 0 || q.embedding.every((x) => x === 0)) throw bad('the embedding is not a zero vector')
  }
  if (q.weights !== undefined) {
    const w = q.weights
    if (typeof w !== 'object' || w === null || ![w.vector, w.keyword].every((x) => finite(x) && x >= 0 && x <= MAX_WEIGHT)) {
      throw bad(`weights are { vector, keyword }, each from 0 to ${MAX_WEIGHT}`)
    }
  }
  if (q.fusion !== undefined && q.fusion !== 'rrf' && q.fusion !== 'zscore') throw bad('fusion is rrf or zscore')
  if (q.rrfK !== undefined && !(finite(q.rrfK) && q.rrfK >= 0 && q.rrfK <= MAX_RRF_K)) throw bad(`rrfK is from 0 to ${MAX_RRF_K}`)
  if (q.scoreThreshold !== undefined && !finite(q.scoreThreshold)) throw bad('scoreThreshold is a finite number')
  if (q.indexVersion !== undefined) checkIndexVersion(q.indexVersion)
  return q
}
