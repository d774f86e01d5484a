/**
 * Per-knowledge-base storage: the chunk partition and its HNSW index (see migrations/0006_rag.sql
 * for why a partition per knowledge base). The only values in this DDL are the knowledge base's key
 * and dimension, integers the store generated and checked, never tenant text.
 */
import type { SqlExecutor } from '../ports/sql.ts'
import { RagStoreErrors } from './errors.ts'
import { checkIndexVersion } from './validate.ts'

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

const fullIndex = (key: number) => `${partitionName(key)}_hnsw`
const versionIndex = (key: number, version: number) => `${partitionName(key)}_v${checkIndexVersion(version)}_hnsw`

async function hasIndex(tx: SqlExecutor, name: string): Promise<boolean> {
  const res = await tx.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name])
  return res.rows[0]!.ok === true
}

/** A search across index versions (none named) when they do not all have one dimension. */
const mixedDimensions = () => RagStoreErrors.queryInvalid('This knowledge base has index versions of different dimensions: name the indexVersion to search.')

/**
 * The dimension of one index version's vectors: its own when a reindex declared one
 * (rag_index_versions), else the knowledge base's. Without a version (a search across versions),
 * the base's, which holds only while no version has another: else RAG_QUERY_INVALID.
 */
export async function versionDimension(tx: SqlExecutor, kb: KbInfo, version: number | undefined): Promise<number> {
  const res = await tx.query<{ version: number; dimension: number }>(
    version === undefined ? 'SELECT version, dimension FROM rag_index_versions WHERE kb_key = $1 AND dimension <> $2 LIMIT 1' : 'SELECT version, dimension FROM rag_index_versions WHERE kb_key = $1 AND version = $2',
    [kb.key, version === undefined ? kb.dimension : version],
  )
  const row = res.rows[0]
  if (version === undefined) {
    if (row) throw mixedDimensions()
    return kb.dimension
  }
  return row ? checkDimension(Number(row.dimension)) : kb.dimension
}

/**
 * `requireKb` and `versionDimension` in one statement, for searches (the hot path): the knowledge
 * base with the dimension of the version searched.
 */
export async function searchKb(tx: SqlExecutor, projectId: string, kbId: string, version: number | undefined): Promise<KbInfo> {
  const res = await tx.query<{ key: string | number; dimension: number; ts_config: string; version_dimension: number | null; mixed: boolean }>(
    `SELECT kb.key, kb.dimension, kb.ts_config::text AS ts_config,
       ${version === undefined ? 'NULL' : '(SELECT v.dimension FROM rag_index_versions v WHERE v.kb_key = kb.key AND v.version = $3)'} AS version_dimension,
       ${version === undefined ? 'EXISTS (SELECT 1 FROM rag_index_versions v WHERE v.kb_key = kb.key AND v.dimension <> kb.dimension)' : 'false'} AS mixed
     FROM rag_knowledge_bases kb WHERE kb.project_id = $1 AND kb.id = $2`,
    version === undefined ? [projectId, kbId] : [projectId, kbId, version],
  )
  const row = res.rows[0]
  if (!row) throw RagStoreErrors.kbNotFound(`Knowledge base ${kbId} does not exist in this project.`)
  if (row.mixed) throw mixedDimensions()
  const dimension = row.version_dimension === null ? Number(row.dimension) : Number(row.version_dimension)
  return { key: checkKey(row.key), dimension: checkDimension(dimension), tsConfig: row.ts_config }
}

async function createVersionGraph(tx: SqlExecutor, kb: KbInfo, version: number, dimension: number): Promise<void> {
  const cast = vectorCast(dimension)
  await tx.exec(`CREATE INDEX IF NOT EXISTS ${versionIndex(kb.key, version)} ON ${partitionName(kb.key)} USING hnsw ((embedding::${cast}) ${opsClass(dimension)}) WHERE index_version = ${checkIndexVersion(version)}`)
}

/**
 * Declares index version `version` with vectors of `dimension`; callers hold the knowledge base's
 * row lock. While every version has the base's dimension the partition-wide index serves them all
 * and nothing changes. The first version of another dimension switches the partition to one
 * partial index per version (built for each version already there, then the partition-wide index
 * and the dimension CHECK go), because one expression index cannot cast vectors of two lengths.
 * A version that already holds vectors of another length is RAG_DIMENSION_MISMATCH.
 */
export async function declareIndexVersion(tx: SqlExecutor, kb: KbInfo, version: number, dimension: number): Promise<void> {
  const table = partitionName(kb.key)
  const d = checkDimension(dimension)
  await tx.query(`SELECT set_config('lock_timeout', '10s', true)`)
  const other = await tx.query(`SELECT 1 FROM ${table} WHERE index_version = $1 AND vector_dims(embedding) <> $2 LIMIT 1`, [version, d])
  if (other.rows.length > 0) throw RagStoreErrors.dimensionMismatch(`Index version ${version} already holds vectors of another dimension than ${d}.`)
  const partitionWide = await hasIndex(tx, fullIndex(kb.key))
  if (partitionWide && d === kb.dimension) return
  if (partitionWide) {
    const present = await tx.query<{ v: number }>(`SELECT DISTINCT index_version AS v FROM ${table}`)
    for (const { v } of present.rows) await createVersionGraph(tx, kb, Number(v), await versionDimension(tx, kb, Number(v)))
    await tx.exec(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${table}_dim`)
    await tx.exec(`DROP INDEX IF EXISTS ${fullIndex(kb.key)}`)
  }
  const before = await versionDimension(tx, kb, version)
  if (before !== d) await tx.exec(`DROP INDEX IF EXISTS ${versionIndex(kb.key, version)}`)
  await tx.query(
    'INSERT INTO rag_index_versions (kb_key, version, dimension) VALUES ($1, $2, $3) ON CONFLICT (kb_key, version) DO UPDATE SET dimension = EXCLUDED.dimension',
    [kb.key, version, d],
  )
  await createVersionGraph(tx, kb, version, d)
}

/** Deletes a version's chunks, its graph and its declaration. */
export async function dropIndexVersion(tx: SqlExecutor, kb: KbInfo, version: number): Promise<void> {
  await tx.query(`SELECT set_config('lock_timeout', '10s', true)`)
  await tx.query(`DELETE FROM ${partitionName(kb.key)} WHERE index_version = $1`, [version])
  await tx.exec(`DROP INDEX IF EXISTS ${versionIndex(kb.key, version)}`)
  await tx.query('DELETE FROM rag_index_versions WHERE kb_key = $1 AND version = $2', [kb.key, version])
}

export async function dropKbStorage(tx: SqlExecutor, key: number): Promise<void> {
  await tx.query(`SELECT set_config('lock_timeout', '10s', true)`)
  await tx.exec(`DROP TABLE IF EXISTS ${partitionName(key)}`)
}
