/**
 * RetrievalStore on the SQL port (Postgres 15 + pgvector 0.8, or PGlite with its pgvector), over
 * migrations/0006_rag.sql. Every statement names the project and the knowledge base, and chunk
 * statements go to the knowledge base's own partition, so nothing crosses either. Search is in
 * search-sql.ts; the SQL of filters and access conditions in filter-sql.ts and access-sql.ts.
 */
import type { SqlDatabase, SqlExecutor } from '../ports/sql.ts'
import type {
  AccessCondition,
  ChunkInput,
  DocumentRecord,
  KnowledgeBaseOptions,
  ListOptions,
  MetadataFilter,
  RetrievalStore,
  SearchHit,
  SearchQuery,
} from '../ports/retrieval.ts'
import { compileAccessCondition } from './access-sql.ts'
import { RagStoreErrors } from './errors.ts'
import { compileMetadataFilter } from './filter-sql.ts'
import { checkDimension, createKbStorage, declareIndexVersion, dropIndexVersion, dropKbStorage, kbInfo, partitionName, requireKb, searchKb, versionDimension } from './kb-sql.ts'
import { SqlParams } from './predicate-sql.ts'
import { checkQuery } from './query-check.ts'
import { fuse, fuseZScore } from './fusion.ts'
import { checkScope, EXACT_MAX, keywordList, vectorList, type SearchTuning, type VectorScanInfo } from './search-sql.ts'
import { checkChunks, checkDocument, checkId, checkIndexVersion, STORE_LIMITS, vectorText } from './validate.ts'

export interface SqlRetrievalStoreOptions {
  sql: SqlDatabase
  /** Vector search tuning (defaults: efSearch 100, maxScanTuples 20000, pgvector's own default, exactMax EXACT_MAX). */
  tuning?: Partial<SearchTuning>
  /** Called after each vector list (metrics: how often the exact pass had to run). */
  onVectorScan?: (info: VectorScanInfo) => void
}

/** Chunks per INSERT: bounds one statement's size (a 1536-dimension vector is ~15 kB of text). */
const INSERT_BATCH = 200

interface DocRow {
  id: string
  kb_id: string
  title: string | null
  content_hash: string
  metadata: DocumentRecord['metadata']
  access: DocumentRecord['access']
  text: string
  status: string
  created_at: Date | string
  updated_at: Date | string
}

const DOC_COLUMNS = 'd.id, d.kb_id, d.title, d.content_hash, d.metadata, d.access, d.text, d.status, d.created_at, d.updated_at'
const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString()

function toDocument(r: DocRow): DocumentRecord {
  const doc: DocumentRecord = {
    kbId: r.kb_id,
    id: r.id,
    contentHash: r.content_hash,
    metadata: r.metadata,
    access: r.access,
    text: r.text,
    status: r.status,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  }
  if (r.title !== null) doc.title = r.title
  return doc
}

/** The list cursor: the last id returned, opaque to callers. */
const encodeCursor = (id: string) => Buffer.from(JSON.stringify([id]), 'utf8').toString('base64url')
function decodeCursor(cursor: unknown): string {
  try {
    if (typeof cursor !== 'string' || cursor.length > 2 * STORE_LIMITS.idLength * 4) throw new Error('size')
    const [id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[]
    return checkId('cursor', id)
  } catch {
    throw RagStoreErrors.inputInvalid('The cursor is not one this store returned.')
  }
}

export function createSqlRetrievalStore(opts: SqlRetrievalStoreOptions): RetrievalStore {
  const db = opts.sql
  const tuning: SearchTuning = {
    efSearch: opts.tuning?.efSearch ?? 100,
    maxScanTuples: opts.tuning?.maxScanTuples ?? 20_000,
    exactMax: opts.tuning?.exactMax ?? EXACT_MAX,
  }

  /** Access condition and optional filter over the document row `d`, appended to `params`. */
  const docWhere = (params: SqlParams, access: AccessCondition | undefined, filter: MetadataFilter | undefined) => {
    const conds: string[] = []
    if (access !== undefined) conds.push(compileAccessCondition(access, 'd', params))
    if (filter !== undefined) conds.push(compileMetadataFilter(filter, 'd.metadata', params))
    return conds.map((c) => ` AND ${c}`).join('')
  }

  const dropKb = async (tx: SqlExecutor, projectId: string, kbId: string) => {
    const kb = await kbInfo(tx, projectId, kbId, true)
    if (!kb) return
    // The partition first: dropping a table is cheap, cascading row by row from documents is not.
    await dropKbStorage(tx, kb.key)
    await tx.query('DELETE FROM rag_documents WHERE project_id = $1 AND kb_id = $2', [projectId, kbId])
    await tx.query('DELETE FROM rag_knowledge_bases WHERE project_id = $1 AND id = $2', [projectId, kbId])
  }

  return {
    async ensureKnowledgeBase(projectId, kbId, dimension, kbOpts: KnowledgeBaseOptions = {}) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      checkDimension(dimension)
      const ts = kbOpts.textSearch ?? 'english'
      if (ts !== 'english' && ts !== 'simple') throw RagStoreErrors.inputInvalid('textSearch is english or simple')
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO rag_knowledge_bases (project_id, id, dimension, ts_config) VALUES ($1, $2, $3, $4::regconfig) ON CONFLICT (project_id, id) DO NOTHING`,
          [projectId, kbId, dimension, ts],
        )
        // The row lock serialises concurrent creators, so the partition is created once.
        const kb = (await kbInfo(tx, projectId, kbId, true))!
        if (kb.dimension !== dimension) {
          throw RagStoreErrors.dimensionMismatch(`Knowledge base ${kbId} has dimension ${kb.dimension}, not ${dimension}.`)
        }
        await createKbStorage(tx, kb)
      })
    },

    async declareIndexVersion(projectId, kbId, version, dimension) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      checkIndexVersion(version)
      checkDimension(dimension)
      await db.transaction(async (tx) => {
        const kb = await kbInfo(tx, projectId, kbId, true)
        if (!kb) throw RagStoreErrors.kbNotFound(`Knowledge base ${kbId} does not exist in this project.`)
        await declareIndexVersion(tx, kb, version, dimension)
      })
    },

    async dropIndexVersion(projectId, kbId, version) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      checkIndexVersion(version)
      await db.transaction(async (tx) => {
        const kb = await kbInfo(tx, projectId, kbId, true)
        if (kb) await dropIndexVersion(tx, kb, version)
      })
    },

    async upsertDocument(projectId, doc) {
      checkId('projectId', projectId)
      checkDocument(doc)
      await db.transaction(async (tx) => {
        await requireKb(tx, projectId, doc.kbId)
        await tx.query(
          `INSERT INTO rag_documents (project_id, kb_id, id, title, content_hash, metadata, access, text, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11)
           ON CONFLICT (project_id, kb_id, id) DO UPDATE SET title = EXCLUDED.title, content_hash = EXCLUDED.content_hash,
             metadata = EXCLUDED.metadata, access = EXCLUDED.access, text = EXCLUDED.text, status = EXCLUDED.status,
             created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at`,
          [projectId, doc.kbId, doc.id, doc.title ?? null, doc.contentHash, JSON.stringify(doc.metadata), JSON.stringify(doc.access), doc.text, doc.status, doc.createdAt, doc.updatedAt],
        )
      })
    },

    async setDocumentStatus(projectId, kbId, id, status, ifContentHash) {
      if (typeof status !== 'string' || status.length === 0 || status.length > 32) throw RagStoreErrors.inputInvalid('The status is 1-32 characters.')
      const res = await db.query(
        `UPDATE rag_documents SET status = $4, updated_at = now() WHERE project_id = $1 AND kb_id = $2 AND id = $3 AND content_hash = $5`,
        [checkId('projectId', projectId), checkId('kbId', kbId), checkId('document id', id), status, checkId('contentHash', ifContentHash)],
      )
      return (res.rowCount ?? 0) > 0
    },

    async getDocument(projectId, kbId, id) {
      const res = await db.query<DocRow>(`SELECT ${DOC_COLUMNS} FROM rag_documents d WHERE d.project_id = $1 AND d.kb_id = $2 AND d.id = $3`, [
        checkId('projectId', projectId),
        checkId('kbId', kbId),
        checkId('document id', id),
      ])
      return res.rows[0] && toDocument(res.rows[0])
    },

    async findByContentHash(projectId, kbId, hash) {
      const res = await db.query<DocRow>(
        `SELECT ${DOC_COLUMNS} FROM rag_documents d WHERE d.project_id = $1 AND d.kb_id = $2 AND d.content_hash = $3 ORDER BY d.created_at, d.id COLLATE "C" LIMIT 1`,
        [checkId('projectId', projectId), checkId('kbId', kbId), checkId('contentHash', hash)],
      )
      return res.rows[0] && toDocument(res.rows[0])
    },

    async listDocuments(projectId, kbId, listOpts: ListOptions) {
      const limit = listOpts?.limit
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > STORE_LIMITS.listLimit) throw RagStoreErrors.inputInvalid(`limit is 1-${STORE_LIMITS.listLimit}`)
      const params = new SqlParams([checkId('projectId', projectId), checkId('kbId', kbId)])
      const after = listOpts.cursor === undefined ? '' : ` AND d.id COLLATE "C" > ${params.add(decodeCursor(listOpts.cursor))}`
      const where = docWhere(params, listOpts.access, undefined)
      const res = await db.query<DocRow>(
        // Ids compare in "C" order in both engines, whatever the database's collation.
        `SELECT ${DOC_COLUMNS} FROM rag_documents d WHERE d.project_id = $1 AND d.kb_id = $2${after}${where} ORDER BY d.id COLLATE "C" LIMIT ${params.add(limit + 1)}`,
        params.values,
      )
      const items = res.rows.slice(0, limit).map(toDocument)
      return res.rows.length > limit ? { items, nextCursor: encodeCursor(items.at(-1)!.id) } : { items }
    },

    async putChunks(projectId, kbId, documentId, indexVersion, chunks: ChunkInput[]) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      checkId('document id', documentId)
      checkIndexVersion(indexVersion)
      await db.transaction(async (tx) => {
        const kb = await requireKb(tx, projectId, kbId)
        checkChunks(chunks, await versionDimension(tx, kb, indexVersion))
        // FOR KEY SHARE: a concurrent delete of the document waits for these chunks, then takes them with it.
        const doc = await tx.query('SELECT 1 FROM rag_documents WHERE project_id = $1 AND kb_id = $2 AND id = $3 FOR KEY SHARE', [projectId, kbId, documentId])
        if (doc.rowCount === 0) throw RagStoreErrors.documentNotFound(`Document ${documentId} does not exist in knowledge base ${kbId}.`)
        for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
          const batch = chunks.slice(i, i + INSERT_BATCH).map((c) => ({
            i: c.index, t: c.text, s: c.start, e: c.end, h: c.headingPath, n: c.tokens, v: vectorText(c.embedding),
          }))
          // Keyed by (document, version, chunk index): a rerun after a crash rewrites the same rows.
          await tx.query(
            `INSERT INTO ${partitionName(kb.key)} AS c (kb_key, project_id, kb_id, document_id, index_version, chunk_index, text, start_offset, end_offset, heading_path, tokens, embedding, ts_config)
             SELECT $1, $2, $3, $4, $5, x.i, x.t, x.s, x.e, x.h, x.n, x.v::vector, $6::regconfig
             FROM jsonb_to_recordset($7::jsonb) AS x(i integer, t text, s integer, e integer, h text[], n integer, v text)
             ON CONFLICT (kb_key, document_id, index_version, chunk_index) DO UPDATE SET text = EXCLUDED.text,
               start_offset = EXCLUDED.start_offset, end_offset = EXCLUDED.end_offset, heading_path = EXCLUDED.heading_path,
               tokens = EXCLUDED.tokens, embedding = EXCLUDED.embedding`,
            [kb.key, projectId, kbId, documentId, indexVersion, kb.tsConfig, JSON.stringify(batch)],
          )
        }
      })
    },

    async deleteChunks(projectId, kbId, documentId, indexVersion) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      checkId('document id', documentId)
      if (indexVersion !== undefined) checkIndexVersion(indexVersion)
      return db.transaction(async (tx) => {
        const kb = await kbInfo(tx, projectId, kbId)
        if (!kb) return 0
        const params = new SqlParams([projectId, kbId, documentId])
        const version = indexVersion === undefined ? '' : ` AND index_version = ${params.add(indexVersion)}`
        const res = await tx.query(`DELETE FROM ${partitionName(kb.key)} WHERE project_id = $1 AND kb_id = $2 AND document_id = $3${version}`, params.values)
        return res.rowCount
      })
    },

    async deleteDocument(projectId, kbId, id) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      checkId('document id', id)
      return db.transaction(async (tx) => {
        const kb = await kbInfo(tx, projectId, kbId)
        if (!kb) return false
        await tx.query(`DELETE FROM ${partitionName(kb.key)} WHERE project_id = $1 AND kb_id = $2 AND document_id = $3`, [projectId, kbId, id])
        const res = await tx.query('DELETE FROM rag_documents WHERE project_id = $1 AND kb_id = $2 AND id = $3', [projectId, kbId, id])
        return res.rowCount > 0
      })
    },

    async deleteKnowledgeBase(projectId, kbId) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      await db.transaction((tx) => dropKb(tx, projectId, kbId))
    },

    async deleteProject(projectId) {
      checkId('projectId', projectId)
      const kbs = await db.query<{ id: string }>('SELECT id FROM rag_knowledge_bases WHERE project_id = $1', [projectId])
      // One transaction per knowledge base: each drops a table, and one long transaction would
      // hold every one of those locks at once.
      for (const { id } of kbs.rows) await db.transaction((tx) => dropKb(tx, projectId, id))
    },

    async search(q: SearchQuery): Promise<SearchHit[]> {
      const checked = checkQuery(q)
      checkScope(checked)
      return db.transaction(async (tx) => {
        // With the searched version's dimension: the one its vectors, graph and casts have (a
        // keyword search reads no vectors, so versions of other dimensions do not concern it).
        const kb = checked.mode === 'keyword' ? await requireKb(tx, checked.projectId, checked.kbId) : await searchKb(tx, checked.projectId, checked.kbId, checked.indexVersion)
        if (checked.embedding !== undefined && checked.embedding.length !== kb.dimension) {
          throw RagStoreErrors.dimensionMismatch(`The query embedding has ${checked.embedding.length} dimensions; the index has ${kb.dimension}.`)
        }
        let hits: SearchHit[]
        if (checked.mode === 'vector') hits = await vectorList(tx, kb, checked, checked.k, tuning, opts.onVectorScan)
        else if (checked.mode === 'keyword') hits = await keywordList(tx, kb, checked, checked.k)
        else {
          // Each list deeper than k, so a chunk ranked well in one list and poorly in the other still meets.
          const depth = Math.min(STORE_LIMITS.maxK * 5, Math.max(checked.k * 4, 50))
          const vector = await vectorList(tx, kb, checked, depth, tuning, opts.onVectorScan)
          const keyword = await keywordList(tx, kb, checked, depth)
          const weights = checked.weights ?? { vector: 1, keyword: 1 }
          hits = checked.fusion === 'zscore' ? fuseZScore(vector, keyword, weights) : fuse(vector, keyword, weights, checked.rrfK ?? 60)
        }
        const threshold = checked.scoreThreshold
        return (threshold === undefined ? hits : hits.filter((h) => h.score >= threshold)).slice(0, checked.k)
      })
    },

    async countDocuments(projectId, kbId, access, filter) {
      const params = new SqlParams([checkId('projectId', projectId), checkId('kbId', kbId)])
      // Compiled even when absent: a missing condition is refused, never read as "everything".
      const where = ` AND ${compileAccessCondition(access, 'd', params)}${docWhere(params, undefined, filter)}`
      return db.transaction(async (tx) => {
        await requireKb(tx, projectId, kbId)
        const res = await tx.query<{ n: number | string }>(`SELECT count(*) AS n FROM rag_documents d WHERE d.project_id = $1 AND d.kb_id = $2${where}`, params.values)
        return Number(res.rows[0]!.n)
      })
    },

    async chunkCount(projectId, kbId, documentId) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      checkId('document id', documentId)
      return db.transaction(async (tx) => {
        const kb = await kbInfo(tx, projectId, kbId)
        if (!kb) return 0
        const res = await tx.query<{ n: number | string }>(
          `SELECT count(*) AS n FROM ${partitionName(kb.key)} WHERE project_id = $1 AND kb_id = $2 AND document_id = $3`,
          [projectId, kbId, documentId],
        )
        return Number(res.rows[0]!.n)
      })
    },

    async listChunks(projectId, kbId, documentId, indexVersion) {
      checkId('projectId', projectId)
      checkId('kbId', kbId)
      checkId('document id', documentId)
      if (!Number.isSafeInteger(indexVersion) || indexVersion < 0) throw RagStoreErrors.inputInvalid('The index version is a non-negative integer.')
      return db.transaction(async (tx) => {
        const kb = await kbInfo(tx, projectId, kbId)
        if (!kb) return []
        const res = await tx.query<{ chunk_index: number; text: string; start_offset: number; end_offset: number; heading_path: string[]; tokens: number }>(
          `SELECT chunk_index, text, start_offset, end_offset, heading_path, tokens FROM ${partitionName(kb.key)}
            WHERE project_id = $1 AND kb_id = $2 AND document_id = $3 AND index_version = $4 ORDER BY chunk_index`,
          [projectId, kbId, documentId, indexVersion],
        )
        return res.rows.map((r) => ({ index: r.chunk_index, text: r.text, start: r.start_offset, end: r.end_offset, headingPath: r.heading_path, tokens: r.tokens }))
      })
    },
  }
}
