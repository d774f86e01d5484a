/**
 * Bounds on what the retrieval store accepts (ids, documents, chunks, queries). Everything here
 * arrives, one way or another, from a tenant: sizes are bounded and shapes checked before a query
 * is built, and a failure is a RAG_ 4xx, never a database error.
 */
import type { ChunkInput, DocumentRecord } from '../ports/retrieval.ts'
import { RagStoreErrors } from './errors.ts'
import { METADATA_KEY_RE } from './filter-sql.ts'
import { scalarProblem, storableText } from './predicate-sql.ts'

export const STORE_LIMITS = {
  idLength: 256,
  titleLength: 1_000,
  metadataKeys: 64,
  metadataStringLength: 1_000,
  accessEntries: 5_000,
  documentTextLength: 10_000_000,
  chunksPerCall: 10_000,
  chunkTextLength: 100_000,
  headingDepth: 32,
  headingLength: 1_000,
  maxK: 200,
  queryTextLength: 4_000,
  listLimit: 1_000,
} as const

const bad = (why: string) => RagStoreErrors.inputInvalid(why)

export function checkId(what: string, id: unknown): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > STORE_LIMITS.idLength || !storableText(id)) {
    throw bad(`${what} must be a string of 1-${STORE_LIMITS.idLength} characters (no NUL, no lone surrogate)`)
  }
  return id
}

const isNonNegInt = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
const isInt32 = (n: unknown): n is number => isNonNegInt(n) && n <= 2_147_483_647

export function checkIndexVersion(v: unknown): number {
  if (!isInt32(v)) throw bad('indexVersion must be a non-negative integer')
  return v
}

export function checkDocument(doc: DocumentRecord): void {
  if (typeof doc !== 'object' || doc === null) throw bad('the document must be an object')
  checkId('kbId', doc.kbId)
  checkId('document id', doc.id)
  checkId('contentHash', doc.contentHash)
  checkId('status', doc.status)
  if (doc.title !== undefined && (typeof doc.title !== 'string' || doc.title.length > STORE_LIMITS.titleLength || !storableText(doc.title))) {
    throw bad(`title must be a string of at most ${STORE_LIMITS.titleLength} characters`)
  }
  if (typeof doc.text !== 'string' || doc.text.length > STORE_LIMITS.documentTextLength || !storableText(doc.text)) throw bad('text must be a string of bounded size')
  for (const at of [doc.createdAt, doc.updatedAt]) {
    if (typeof at !== 'string' || at.length > 64 || Number.isNaN(Date.parse(at))) throw bad('createdAt and updatedAt must be ISO timestamps')
  }
  const meta = doc.metadata
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw bad('metadata must be an object')
  const keys = Object.keys(meta)
  if (keys.length > STORE_LIMITS.metadataKeys) throw bad(`metadata has at most ${STORE_LIMITS.metadataKeys} keys`)
  for (const k of keys) {
    if (!METADATA_KEY_RE.test(k)) throw bad('metadata keys are 1-64 characters of A-Z a-z 0-9 _ . : -')
    const problem = scalarProblem(meta[k], STORE_LIMITS.metadataStringLength)
    if (problem) throw bad(`metadata.${k}: ${problem}`)
  }
  const access = doc.access
  if (typeof access !== 'object' || access === null || Array.isArray(access)) throw bad('access must be an object')
  for (const k of Object.keys(access)) if (k !== 'users' && k !== 'groups' && k !== 'public') throw bad('access has only users, groups and public')
  for (const list of [access.users, access.groups]) {
    if (list === undefined) continue
    if (!Array.isArray(list) || list.length > STORE_LIMITS.accessEntries || !list.every((s) => typeof s === 'string' && s.length <= STORE_LIMITS.idLength && storableText(s))) {
      throw bad(`access.users and access.groups are lists of at most ${STORE_LIMITS.accessEntries} ids`)
    }
  }
  if (access.public !== undefined && typeof access.public !== 'boolean') throw bad('access.public is a boolean')
}

export function checkChunks(chunks: ChunkInput[], dimension: number): void {
  if (!Array.isArray(chunks) || chunks.length > STORE_LIMITS.chunksPerCall) throw bad(`at most ${STORE_LIMITS.chunksPerCall} chunks per call`)
  const seen = new Set<number>()
  for (const c of chunks) {
    if (!isInt32(c.index) || seen.has(c.index)) throw bad('chunk indexes are distinct non-negative integers')
    seen.add(c.index)
    if (typeof c !== 'object' || c === null) throw bad('each chunk is an object')
    if (typeof c.text !== 'string' || c.text.length > STORE_LIMITS.chunkTextLength || !storableText(c.text)) throw bad(`chunk text is at most ${STORE_LIMITS.chunkTextLength} characters`)
    if (!isInt32(c.start) || !isInt32(c.end) || c.end < c.start) throw bad('chunk start and end are offsets with start <= end')
    if (!isInt32(c.tokens)) throw bad('chunk tokens is a non-negative integer')
    if (!Array.isArray(c.headingPath) || c.headingPath.length > STORE_LIMITS.headingDepth || !c.headingPath.every((h) => typeof h === 'string' && h.length <= STORE_LIMITS.headingLength && storableText(h))) {
      throw bad('headingPath is a short list of strings')
    }
    checkEmbedding(c.embedding, dimension, bad)
  }
}

export function checkEmbedding(e: unknown, dimension: number, err: (why: string) => Error): Float32Array {
  if (!(e instanceof Float32Array)) throw err('an embedding is a Float32Array')
  if (e.length !== dimension) throw RagStoreErrors.dimensionMismatch(`The embedding has ${e.length} dimensions; the knowledge base has ${dimension}.`)
  for (let i = 0; i < e.length; i++) if (!Number.isFinite(e[i]!)) throw err('embedding values must be finite')
  return e
}

/** pgvector's text form; float32 values print exactly as JS numbers. */
export function vectorText(e: Float32Array): string {
  return `[${Array.prototype.join.call(e, ',')}]`
}
