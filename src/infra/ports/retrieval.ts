/**
 * Retrieval port: the RAG domain's documents, their chunks and the search over them (vector,
 * keyword, hybrid). One adapter today, on the SQL port (Postgres 15 + pgvector, or PGlite with
 * pgvector): src/infra/retrieval/sql-store.ts.
 *
 * Every call is scoped by project AND knowledge base; nothing crosses either. Metadata filters come
 * from tenants (OpenAI vector-store `filters` shape) and access conditions from policy partial
 * evaluation; the adapter compiles both to parameterised SQL and refuses oversized or malformed ones
 * with RAG_FILTER_INVALID / RAG_ACCESS_CONDITION_INVALID (src/infra/retrieval/errors.ts).
 *
 * Filter semantics (the same in every adapter, checked by test/contracts/retrieval.ts):
 * - eq: the key is present with the same type and value; ne is its negation (a missing key matches).
 * - gt/gte/lt/lte: number against number, string against string (code-point order); a missing key
 *   or another type never matches. Booleans only take eq/ne/in/nin.
 * - in: the value is one of the list; nin is its negation. `and` of nothing matches all, `or` of nothing none.
 */
import type { AccessCondition, Scalar } from '../../contracts/filter.ts'

export type { AccessCondition, DocField, Scalar } from '../../contracts/filter.ts'

export type MetadataFilter =
  | { type: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'; key: string; value: Scalar }
  | { type: 'in' | 'nin'; key: string; value: Scalar[] }
  | { type: 'and' | 'or'; filters: MetadataFilter[] }

/**
 * Access conditions (src/contracts/filter.ts, Rego's semantics) are read against the document as
 * the policy sees it, `input.document`: the DocumentRecord without `text`, `createdAt` and
 * `updatedAt`. Fields a condition may name: ['id'], ['kbId'], ['title'], ['status'],
 * ['contentHash'], ['metadata'], ['metadata', key], ['access'], ['access', 'users'|'groups'|'public'].
 * A title, metadata key or access key the document lacks is undefined. Any other path can never be
 * defined on a stored document, so it is refused (RAG_ACCESS_CONDITION_INVALID) rather than
 * silently read as undefined: a typo in a policy must fail loudly, never widen or narrow access.
 */
export interface ChunkInput {
  index: number
  text: string
  start: number
  end: number
  headingPath: string[]
  tokens: number
  embedding: Float32Array
}

export type StoredChunk = Omit<ChunkInput, 'embedding'>

export interface DocumentAccess {
  users?: string[]
  groups?: string[]
  public?: boolean
}

export interface DocumentRecord {
  kbId: string
  id: string
  title?: string
  contentHash: string
  metadata: Record<string, Scalar>
  access: DocumentAccess
  text: string
  status: string
  createdAt: string
  updatedAt: string
}

export type SearchMode = 'vector' | 'keyword' | 'hybrid'

export interface SearchQuery {
  projectId: string
  kbId: string
  mode: SearchMode
  /** Keyword and hybrid modes (websearch syntax: "quoted phrase", -exclude, or). */
  text?: string
  /** Vector and hybrid modes; its length must be the searched index version's dimension. */
  embedding?: Float32Array
  k: number
  filter?: MetadataFilter
  access: AccessCondition
  /** Hybrid: weight of each list in the reciprocal rank fusion (default 1 and 1). */
  weights?: { vector: number; keyword: number }
  /**
   * Hybrid: how the two lists combine. 'rrf' (default): reciprocal rank fusion, Σ weight/(rrfK + rank).
   * 'zscore': Σ weight · z-score of each list's scores (a chunk absent from a list gets its lowest z).
   */
  fusion?: 'rrf' | 'zscore'
  /** Hybrid: the RRF constant (default 60). */
  rrfK?: number
  /** Hits scoring below are dropped (vector: cosine similarity; keyword: ts_rank_cd; hybrid: fused score). */
  scoreThreshold?: number
  /** Only chunks of this index version; omitted: chunks of every version stored. */
  indexVersion?: number
}

export interface SearchHit {
  documentId: string
  chunkId: string
  index: number
  text: string
  start: number
  end: number
  headingPath: string[]
  score: number
  title?: string
  metadata: Record<string, Scalar>
  /** 1-based rank of the chunk in each list it came from. */
  ranks: { vector?: number; keyword?: number }
}

export interface KnowledgeBaseOptions {
  /** Text-search configuration of the keyword index (default 'english'); fixed at creation. */
  textSearch?: 'english' | 'simple'
}

export interface ListOptions {
  limit: number
  cursor?: string
  access?: AccessCondition
}

export interface RetrievalStore {
  /** Creates the knowledge base's chunk storage and vector index; idempotent. A different dimension than before is RAG_DIMENSION_MISMATCH. */
  ensureKnowledgeBase(projectId: string, kbId: string, dimension: number, opts?: KnowledgeBaseOptions): Promise<void>
  /**
   * Declares that index version `version` holds vectors of `dimension` (a reindex with a new
   * embedding model) and gives it its own HNSW graph when the dimension differs from the base's;
   * until then every version has the base's dimension. A version already holding vectors of
   * another length is RAG_DIMENSION_MISMATCH. Idempotent.
   */
  declareIndexVersion(projectId: string, kbId: string, version: number, dimension: number): Promise<void>
  /** Deletes one index version: its chunks, its graph and its declared dimension. Idempotent. */
  dropIndexVersion(projectId: string, kbId: string, version: number): Promise<void>
  /** Inserts or replaces the document row (chunks are kept). The knowledge base must exist (RAG_KB_NOT_FOUND). */
  upsertDocument(projectId: string, doc: DocumentRecord): Promise<void>
  /**
   * Sets the status only while the document still has `ifContentHash` (one statement): a job never
   * publishes, or fails, a document that was replaced meanwhile. False when it was not set.
   */
  setDocumentStatus(projectId: string, kbId: string, id: string, status: string, ifContentHash: string): Promise<boolean>
  getDocument(projectId: string, kbId: string, id: string): Promise<DocumentRecord | undefined>
  /** The oldest document with this content hash, for dedupe on upload. */
  findByContentHash(projectId: string, kbId: string, hash: string): Promise<DocumentRecord | undefined>
  /** Documents in id order; `nextCursor` is opaque. */
  listDocuments(projectId: string, kbId: string, opts: ListOptions): Promise<{ items: DocumentRecord[]; nextCursor?: string }>
  /** Idempotent per (document, indexVersion, chunk index): re-running after a crash neither duplicates nor loses chunks. */
  putChunks(projectId: string, kbId: string, documentId: string, indexVersion: number, chunks: ChunkInput[]): Promise<void>
  /** Deletes the document's chunks (of one version, or all); returns how many. */
  deleteChunks(projectId: string, kbId: string, documentId: string, indexVersion?: number): Promise<number>
  /** Deletes the document and its chunks; false when there was none. */
  deleteDocument(projectId: string, kbId: string, id: string): Promise<boolean>
  deleteKnowledgeBase(projectId: string, kbId: string): Promise<void>
  deleteProject(projectId: string): Promise<void>
  search(q: SearchQuery): Promise<SearchHit[]>
  countDocuments(projectId: string, kbId: string, access: AccessCondition, filter?: MetadataFilter): Promise<number>
  chunkCount(projectId: string, kbId: string, documentId: string): Promise<number>
  /** The document's chunks of one index version, in order, without their vectors (a reindex re-embeds them). */
  listChunks(projectId: string, kbId: string, documentId: string, indexVersion: number): Promise<StoredChunk[]>
}
