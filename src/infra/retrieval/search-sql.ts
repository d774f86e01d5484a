/**
 * The retrieval store's search: one ranked list per mode, read from the knowledge base's own chunk
 * partition, with the access condition and the metadata filter in the WHERE clause (a join to the
 * document row), and hybrid as reciprocal rank fusion of the vector and keyword lists.
 *
 * Vector lists run with pgvector 0.8's iterative index scan (relaxed order): when the WHERE clause
 * rejects what the HNSW graph returned first, the scan goes on instead of ending short of k, up to
 * `maxScanTuples`. Relaxed order may return neighbours slightly out of order, so the list is
 * re-sorted by exact distance over the materialised hits, as pgvector's documentation advises.
 */
import type { SqlExecutor } from '../ports/sql.ts'
import type { SearchHit, SearchQuery, Scalar } from '../ports/retrieval.ts'
import { compileAccessCondition } from './access-sql.ts'
import { compileMetadataFilter } from './filter-sql.ts'
import { partitionName, vectorCast, type KbInfo } from './kb-sql.ts'
import { SqlParams } from './predicate-sql.ts'
import { checkIndexVersion, vectorText } from './validate.ts'

export interface SearchTuning {
  /** hnsw.ef_search (candidates kept while walking the graph); raised to the list length when that is larger. pgvector caps it at 1000. */
  efSearch: number
  /** hnsw.max_scan_tuples: how far an iterative scan may go before giving up on filling k. */
  maxScanTuples: number
  /**
   * A filtered list (metadata filter, access condition other than `true`, index version) first
   * counts its matching chunks, stopping at this many plus one; at or under it, the list is ranked
   * exactly instead of walking the graph. 0 turns the probe off. See EXACT_MAX for the default.
   */
  exactMax: number
}

/**
 * Default exactMax, chosen by measurement (loadtest/rag-vectors.ts, 1,536 dimensions, Postgres 15,
 * 2 shared cores). The iterative scan is where filtered recall is lost: at 1 % of 100,000 chunks
 * (1,000 matching) it returned 0.72 of the exact top 10, the graph's nearest region holding almost
 * no match, so the scan fills k from whatever matches it meets further out; at 5 % (an access
 * condition) it held 0.989. The exact pass is exact but not free: at 20,000 chunks, ranking 200,
 * 1,000 and 2,000 matching chunks ran at 33, 22 and 22 q/s against 135 q/s unfiltered through the
 * graph (the probe and the exact pass each read the knowledge base's document rows to evaluate the
 * filter). So the bound sits where the graph stops being good enough: 2,000 keeps 1 % of 100,000
 * exact and leaves 5 % to the iterative scan. NOT DONE: at 100,000 the 1 % filter is exact (recall
 * 1.000) but ran at 4 q/s (p50 372 ms): the probe and exact pass plans over 100,000 document rows
 * need work (EXPLAIN them; a GIN index on metadata in a new migration is the likely fix). The probe is bounded too: it reads at most exactMax + 1
 * matching rows' keys (never a vector), so a broad filter stops early.
 */
export const EXACT_MAX = 2_000

interface HitRow {
  chunk_id: string | number
  document_id: string
  chunk_index: number
  text: string
  start_offset: number
  end_offset: number
  heading_path: string[]
  title: string | null
  metadata: Record<string, Scalar>
  score: number | string
}

const HIT_COLUMNS = `c.id::text AS chunk_id, c.document_id, c.chunk_index, c.text, c.start_offset, c.end_offset, c.heading_path, d.title, d.metadata`

/**
 * The WHERE clause every list shares: the document is this project's and knowledge base's, the
 * version, access and filter. The chunk side needs no project or knowledge-base predicate: the
 * partition holds that knowledge base's chunks only, and the join pins the document row. Leaving
 * them out matters: the planner otherwise reads the partition through its btree on (project, kb,
 * document), every row of it, and sorts, instead of walking the HNSW index. The exact pass wants
 * that btree (documents that match, then their chunks), so it asks for the chunk-side predicates.
 */
function scope(q: SearchQuery, params: SqlParams, chunkSide = false): string {
  const project = params.add(q.projectId)
  const kb = params.add(q.kbId)
  const conds = [`d.project_id = ${project}`, `d.kb_id = ${kb}`]
  if (chunkSide) conds.push(`c.project_id = ${project}`, `c.kb_id = ${kb}`)
  // A literal (a checked integer), not a parameter: a version's partial HNSW index (kb-sql.ts,
  // declareIndexVersion) is chosen only when the planner can prove its predicate from the query.
  if (q.indexVersion !== undefined) conds.push(`c.index_version = ${checkIndexVersion(q.indexVersion)}`)
  conds.push(compileAccessCondition(q.access, 'd', params))
  if (q.filter !== undefined) conds.push(compileMetadataFilter(q.filter, 'd.metadata', params))
  return conds.join(' AND ')
}

/** Compiles the access condition and filter once without running anything, so bad ones fail before any work. */
export function checkScope(q: SearchQuery): void {
  scope(q, new SqlParams())
}

const JOIN = `JOIN rag_documents d ON d.id = c.document_id`

/** What one vector list took, for metrics and tests: how many the index pass found, and whether the exact pass ran. */
export interface VectorScanInfo {
  /** Matching chunks the probe counted (capped at exactMax + 1); absent when no probe ran (unfiltered). */
  matching?: number
  /** Rows the index pass returned (0 when the probe sent the list straight to the exact pass). */
  indexRows: number
  exact: boolean
  rows: number
}

/** Whether the WHERE clause restricts more than the knowledge base: only then can it be selective. */
function restricts(q: SearchQuery): boolean {
  return q.filter !== undefined || q.indexVersion !== undefined || compileAccessCondition(q.access, 'd', new SqlParams()) !== 'true'
}

/**
 * Matching chunks, up to `cap` + 1: the selectivity probe. Only keys are read (documents by the
 * filter, their chunks by the (project, kb, document) btree), and LIMIT stops it as soon as the
 * answer is "more than cap", so a broad filter costs cap + 1 rows, a narrow one its few matches.
 */
async function countMatching(tx: SqlExecutor, kb: KbInfo, q: SearchQuery, cap: number): Promise<number> {
  const params = new SqlParams()
  const where = scope(q, params, true)
  const res = await tx.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM ${partitionName(kb.key)} c ${JOIN} WHERE ${where} LIMIT ${params.add(cap + 1)}) m`,
    params.values,
  )
  return Number(res.rows[0]!.n)
}

/**
 * A filtered list first runs the selectivity probe (countMatching): when at most `exactMax` chunks
 * match, the exact pass alone ranks them, which is both exact and, for so few rows, as fast as the
 * graph. Otherwise, and for unfiltered lists (which pay nothing for the probe), two passes. The index pass walks the HNSW graph with an iterative scan, with sequential scans
 * and sorts priced out (`enable_seqscan`/`enable_sort` off) so the planner cannot swap it for a
 * full sort of the partition, which it otherwise picks whenever it guesses the filter is selective
 * (it guesses so for any jsonb condition, having no statistics on them). If that pass comes back
 * short of `limit` (fewer matching chunks than that, or a filter so selective that `maxScanTuples`
 * ran out first), an exact pass with index scans off ranks every matching chunk, so a filtered
 * query still returns every match up to `limit`, as the exact answer would. JIT stays off for the
 * search: the priced-out plans lift the estimated cost past jit_above_cost, and compiling the
 * query then took 500 ms for a 2 ms scan (measured on Postgres 15).
 */
export async function vectorList(
  tx: SqlExecutor,
  kb: KbInfo,
  q: SearchQuery,
  limit: number,
  tuning: SearchTuning,
  onScan?: (info: VectorScanInfo) => void,
): Promise<SearchHit[]> {
  const cast = vectorCast(kb.dimension)
  await tx.query(`SELECT set_config('jit', 'off', true)`)
  const matching = tuning.exactMax > 0 && restricts(q) ? await countMatching(tx, kb, q, tuning.exactMax) : undefined
  const saved = await tx.query<{ seq: string; sort: string; idx: string }>(
    `SELECT current_setting('enable_seqscan') AS seq, current_setting('enable_sort') AS sort, current_setting('enable_indexscan') AS idx,
       set_config('hnsw.iterative_scan', 'relaxed_order', true), set_config('hnsw.ef_search', $1, true), set_config('hnsw.max_scan_tuples', $2, true),
       set_config('enable_seqscan', 'off', true), set_config('enable_sort', 'off', true), set_config('jit', 'off', true)`,
    [String(Math.min(1_000, Math.max(tuning.efSearch, limit))), String(tuning.maxScanTuples)],
  )
  const { seq, sort, idx } = saved.rows[0]!
  const query = (chunkSide: boolean) => {
    const params = new SqlParams()
    const where = scope(q, params, chunkSide)
    const vec = params.add(vectorText(q.embedding!))
    const sql = `WITH hits AS MATERIALIZED (
         SELECT ${HIT_COLUMNS}, (c.embedding::${cast}) <=> ${vec}::${cast} AS distance
         FROM ${partitionName(kb.key)} c ${JOIN}
         WHERE ${where}
         ORDER BY distance
         LIMIT ${params.add(limit)}
       )
       SELECT *, 1 - distance AS score FROM hits ORDER BY distance, document_id COLLATE "C", chunk_index`
    return tx.query<HitRow>(sql, params.values).then((r) => r.rows)
  }
  const small = matching !== undefined && matching <= tuning.exactMax
  let rows = small ? [] : await query(false)
  const indexRows = rows.length
  await tx.query(`SELECT set_config('enable_seqscan', $1, true), set_config('enable_sort', $2, true)`, [seq, sort])
  const exact = small || indexRows < limit
  if (exact) {
    // Bitmap scans stay allowed (the document side, the chunks' btree); HNSW has none.
    await tx.query(`SELECT set_config('enable_indexscan', 'off', true)`)
    rows = await query(true)
    await tx.query(`SELECT set_config('enable_indexscan', $1, true)`, [idx])
  }
  onScan?.({ ...(matching === undefined ? {} : { matching }), indexRows, exact, rows: rows.length })
  return rows.map((r, i) => toHit(r, { vector: i + 1 }))
}

/** Whether keyword text uses websearch operators: a quote, a word starting with '-', or the word 'or'. */
export function usesOperators(text: string): boolean {
  return /"|(^|\s)-\S|(^|\s)or(\s|$)/i.test(text)
}

export async function keywordList(tx: SqlExecutor, kb: KbInfo, q: SearchQuery, limit: number): Promise<SearchHit[]> {
  const params = new SqlParams()
  const where = scope(q, params)
  // A question in plain words matches on ANY of its terms (websearch's AND of every term finds
  // nothing for most questions), scored by term coverage with a length normalisation plus, when
  // every term is there, websearch's cover density (proximity). Text with operators ("a phrase",
  // -exclude, or) keeps websearch semantics and its plain cover-density score.
  const cfg = params.add(kb.tsConfig)
  const text = params.add(q.text)
  const [match, score] = usesOperators(q.text ?? '')
    ? [`websearch_to_tsquery(${cfg}::regconfig, ${text}::text), NULL::tsquery`, 'ts_rank_cd(c.tsv, tq.q)']
    : [
        `replace(plainto_tsquery(${cfg}::regconfig, ${text}::text)::text, ' & ', ' | ')::tsquery, plainto_tsquery(${cfg}::regconfig, ${text}::text)`,
        'ts_rank_cd(c.tsv, tq.q, 1) + ts_rank_cd(c.tsv, tq.a)',
      ]
  const res = await tx.query<HitRow>(
    `SELECT ${HIT_COLUMNS}, ${score} AS score
     FROM ${partitionName(kb.key)} c ${JOIN} CROSS JOIN (SELECT ${match}) AS tq(q, a)
     WHERE c.tsv @@ tq.q AND ${where}
     ORDER BY score DESC, c.document_id COLLATE "C", c.chunk_index
     LIMIT ${params.add(limit)}`,
    params.values,
  )
  return res.rows.map((r, i) => toHit(r, { keyword: i + 1 }))
}

function toHit(r: HitRow, ranks: SearchHit['ranks']): SearchHit {
  const hit: SearchHit = {
    documentId: r.document_id,
    chunkId: String(r.chunk_id),
    index: Number(r.chunk_index),
    text: r.text,
    start: Number(r.start_offset),
    end: Number(r.end_offset),
    headingPath: r.heading_path,
    score: Number(r.score),
    metadata: r.metadata,
    ranks,
  }
  if (r.title !== null) hit.title = r.title
  return hit
}
