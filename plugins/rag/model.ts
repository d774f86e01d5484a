/**
 * The rag domain's records. Knowledge-base definitions, ingestion-job records and conversations are
 * app data (the app-data port: Postgres by default, Cosmos DB in production); documents, chunks and
 * vectors are in the retrieval store (Postgres + pgvector, or PGlite).
 */
import type { DocumentFormat } from './text/types.ts'

export const COLLECTIONS = { kbs: 'rag.kbs', jobs: 'rag.jobs', conversations: 'rag.conversations' } as const

export interface EmbeddingSettings {
  /**
   * 'offline': the deterministic in-process embedder, learned from the base's own text by a reindex.
   * 'gateway': an embedding model (alias) of the project's LLM gateway (embed/gateway.ts).
   */
  provider: 'offline' | 'gateway'
  model: string
  dimension: number
  /** gateway: `dimensions` goes with every call (the dimension was asked for, not the model's own). */
  sendDimensions?: boolean
}

/** The embedding settings index version `v` was (or is being) built with. */
export function embeddingOf(kb: KnowledgeBase, v: number): EmbeddingSettings {
  return kb.pending?.version === v && kb.pending.embedding ? kb.pending.embedding : kb.embedding
}

export interface ChunkingSettings {
  maxTokens: number
  overlapTokens: number
}

export interface KnowledgeBase {
  id: string
  name: string
  description: string
  embedding: EmbeddingSettings
  chunking: ChunkingSettings
  /** Chunks of this index version answer searches (a re-embed builds the next one beside it). */
  indexVersion: number
  /** Index versions whose embedder has a corpus model learned from this base's text (reindex.ts). */
  trainedVersions?: number[]
  /** Ready documents in the base when the serving version's corpus model was learned (automatic reindexing doubles from it). */
  trainedDocs?: number
  /** A reindex building the next version beside the serving one (with a new embedding model, when it changes one). */
  pending?: { version: number; jobId: string; embedding?: EmbeddingSettings }
  createdAt: string
  createdBy: string
  /** The app-data store's body must be a plain record. */
  [k: string]: unknown
}

export type DocumentStatus = 'processing' | 'ready' | 'failed'

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

export interface JobProgress {
  percent: number
  chunksDone: number
  chunksTotal: number
}

export interface IngestJob {
  id: string
  /** 'ingest' (one document) or 'reindex' (a new index version for the whole base). */
  kind?: 'ingest' | 'reindex'
  kbId: string
  /** The document an ingest job indexes; empty for a reindex. */
  documentId: string
  state: JobState
  progress: JobProgress
  error?: { code: string; message: string }
  attempts: number
  createdAt: string
  updatedAt: string
  [k: string]: unknown
}

/** What the job queue carries: enough to redo the work from the stored document text. */
export interface IngestPayload {
  projectId: string
  kbId: string
  documentId: string
  jobId: string
  indexVersion: number
  /** The parse's sections (heading paths) over the stored text. */
  sections: { start: number; end: number; headingPath: string[] }[]
  title?: string
}

export interface UploadInput {
  id?: string
  title?: string
  format?: DocumentFormat
  filename?: string
  contentType?: string
  bytes: Uint8Array
  metadata?: Record<string, string | number | boolean>
  access?: { users?: string[]; groups?: string[]; public?: boolean }
}

/** Who is asking: what the read policy sees as `input.subject`. */
export interface Reader {
  id: string
  groups: string[]
  roles: string[]
}

export interface ConversationMessage {
  role: 'user' | 'assistant'
  content: string
  citations?: { documentId: string; chunkId: string; start: number; end: number; quote: string }[]
  at: string
}

export interface Conversation {
  id: string
  kbId: string
  subject: string
  messages: ConversationMessage[]
  createdAt: string
  [k: string]: unknown
}
