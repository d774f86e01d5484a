/**
 * Per-knowledge-base storage: the chunk partition and its HNSW index (see migrations/0006_rag.sql
 * for why a partition per knowledge base). The only values in this DDL are the knowledge base's key
 * and dimension, integers the store generated and checked, never tenant text.
 */
import type { SqlExecutor } from '../ports/sql.ts'
import { RagStoreErrors } from './errors.ts'

export interface KbInfo {
  key: number
  dimension: number
  tsConfig: string
}

/** pgvector indexes `vector` up to 2000 dimensions and `halfvec` up to 4000. */
export const MAX_DIMENSION = 4_000
const MAX_VECTOR_INDEX_DIMENSION = 2_000

export function checkDimension(dimension: unknown): number {
  if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension < 1 || dimension > MAX_DIMENSION) {
    throw RagStoreErrors.dimensionInvalid()
  }
  return dimension
}

/** The type the index (and so every distance expression) casts embeddings to. */
export function vectorCast(dimension: number): string {
  const d = checkDimension(dimension)
  return d <= MAX_VECTOR_INDEX_DIMENSION ? `vector(${d})` : `halfvec(${d})`
}

const opsClass = (dimension: number) => (dimension <= MAX_VECTOR_INDEX_DIMENSION ? 'vector_cosine_ops' : 'halfvec_cosine_ops')

function checkKey(key: unknown): number {
  const n = Number(key)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`knowledge base key ${String(key)} is not a positive integer`)
  return n
}

export const partitionName = (key: number) => `rag_chunks_kb_${checkKey(key)}`

export async function kbInfo(tx: SqlExecutor, projectId: string, kbId: string, forUpdate = false): Promise<KbInfo | undefined> {
  const res = await tx.query<{ key: string | number; dimension: number; ts_config: string }>(
    `SELECT key, dimension, ts_config::text AS ts_config FROM rag_knowledge_bases WHERE project_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`,
    [projectId, kbId],
  )
  const row = res.rows[0]
  return row && { key: checkKey(row.key), dimension: checkDimension(Number(row.dimension)), tsConfig: row.ts_config }
}

export async function requireKb(tx: SqlExecutor, projectId: string, kbId: string): Promise<KbInfo> {
  const kb = await kbInfo(tx, projectId, kbId)
  if (!kb) throw RagStoreErrors.kbNotFound(`Knowledge base ${kbId} does not exist in this project.`)
  return kb
}

/** Creates the partition and its index if missing; callers hold the knowledge base's row lock. */
export async function createKbStorage(tx: SqlExecutor, kb: KbInfo): Promise<void> {
  const table = partitionName(kb.key)
  const dim = checkDimension(kb.dimension)
  // Waiting long for the parent's lock would queue every other tenant's writes behind us.
  await tx.query(`SELECT set_config('lock_timeout', '10s', true)`)
  await tx.exec(
    `CREATE TABLE IF NOT EXISTS ${table} PARTITION OF rag_chunks (CONSTRAINT ${table}_dim CHECK (vector_dims(embedding) = ${dim})) FOR VALUES IN (${kb.key})`,
  )
  // Cosine HNSW over the cast to this knowledge base's dimension; built on an empty table, then
  // maintained on insert.
  await tx.exec(`CREATE INDEX IF NOT EXISTS ${table}_hnsw ON ${table} USING hnsw ((embedding::${vectorCast(dim)}) ${opsClass(dim)})`)
}

export async function dropKbStorage(tx: SqlExecutor, key: number): Promise<void> {
  await tx.query(`SELECT set_config('lock_timeout', '10s', true)`)
  await tx.exec(`DROP TABLE IF EXISTS ${partitionName(key)}`)
}
