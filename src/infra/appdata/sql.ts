import { randomUUID } from 'node:crypto'
import type { AppDataStore, AppDocument } from '../ports/appdata.ts'
import type { SqlDatabase } from '../ports/sql.ts'
import { AppDataErrors } from './errors.ts'
import { encodeCursor, normaliseQuery, toPage } from './query.ts'

export interface SqlAppDataOptions {
  /** The shared SQL database (PGlite or Postgres) with migrations applied (0003_appdata). */
  db: SqlDatabase
}

interface Row {
  project_id: string
  collection: string
  id: string
  body: unknown
  etag: string
  updated_at: Date | string
}

const COLUMNS = 'project_id, collection, id, body, etag, updated_at'

function toDocument<Body>(row: Row): AppDocument<Body> {
  return {
    projectId: row.project_id,
    collection: row.collection,
    id: row.id,
    body: (typeof row.body === 'string' ? JSON.parse(row.body) : row.body) as Body,
    etag: row.etag,
    updatedAt: new Date(row.updated_at).toISOString(),
  }
}

/**
 * App-data store on the SQL port (the default): one `app_documents` table keyed by
 * (project_id, collection, id). Every statement is a single round trip with the precondition in its
 * WHERE/ON CONFLICT clause, so concurrency control needs no transaction and no row lock held across
 * calls. `updated_at` comes from the database clock, so writers in both DCs share one time source.
 */
export function createSqlAppData({ db }: SqlAppDataOptions): AppDataStore {
  return {
    kind: 'postgres',

    async create<Body extends Record<string, unknown>>(projectId: string, collection: string, id: string, body: Body) {
      const res = await db.query<Row>(
        `INSERT INTO app_documents (${COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, now())
         ON CONFLICT (project_id, collection, id) DO NOTHING
         RETURNING ${COLUMNS}`,
        [projectId, collection, id, JSON.stringify(body), randomUUID()],
      )
      if (res.rows.length === 0) throw AppDataErrors.alreadyExists(undefined, { collection, id })
      return toDocument<Body>(res.rows[0])
    },

    async createMany(projectId, collection, docs) {
      if (docs.length === 0) return 0
      // One statement for the batch: arrays unnested into rows, so the text does not grow with it.
      const res = await db.query(
        `INSERT INTO app_documents (${COLUMNS})
         SELECT $1, $2, d.id, d.body::jsonb, d.etag, now() FROM unnest($3::text[], $4::text[], $5::text[]) AS d(id, body, etag)
         ON CONFLICT (project_id, collection, id) DO NOTHING`,
        [projectId, collection, docs.map((d) => d.id), docs.map((d) => ('json' in d ? d.json : JSON.stringify(d.body))), docs.map(() => randomUUID())],
      )
      return res.rowCount
    },

    async put<Body extends Record<string, unknown>>(
      projectId: string,
      collection: string,
      id: string,
      body: Body,
      opts: { ifMatch?: string } = {},
    ) {
      const params = [projectId, collection, id, JSON.stringify(body), randomUUID()]
      if (opts.ifMatch === undefined) {
        const res = await db.query<Row>(
          `INSERT INTO app_documents (${COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, now())
           ON CONFLICT (project_id, collection, id)
           DO UPDATE SET body = EXCLUDED.body, etag = EXCLUDED.etag, updated_at = EXCLUDED.updated_at
           RETURNING ${COLUMNS}`,
          params,
        )
        return toDocument<Body>(res.rows[0])
      }
      // A missing document also fails the precondition (as HTTP If-Match does): the caller's view is stale.
      const res = await db.query<Row>(
        `UPDATE app_documents SET body = $4::jsonb, etag = $5, updated_at = now()
         WHERE project_id = $1 AND collection = $2 AND id = $3 AND etag = $6
         RETURNING ${COLUMNS}`,
        [...params, opts.ifMatch],
      )
      if (res.rows.length === 0) throw AppDataErrors.preconditionFailed(undefined, { collection, id })
      return toDocument<Body>(res.rows[0])
    },

    async get<Body = Record<string, unknown>>(projectId: string, collection: string, id: string) {
      const res = await db.query<Row>(
        `SELECT ${COLUMNS} FROM app_documents WHERE project_id = $1 AND collection = $2 AND id = $3`,
        [projectId, collection, id],
      )
      return res.rows.length === 0 ? undefined : toDocument<Body>(res.rows[0])
    },

    async delete(projectId, collection, id) {
      const res = await db.query(
        'DELETE FROM app_documents WHERE project_id = $1 AND collection = $2 AND id = $3 RETURNING id',
        [projectId, collection, id],
      )
      return res.rows.length > 0
    },

    async deleteCollection(projectId, collection) {
      const res = await db.query('DELETE FROM app_documents WHERE project_id = $1 AND collection = $2', [projectId, collection])
      return res.rowCount
    },

    async query<Body = Record<string, unknown>>(projectId: string, collection: string, q = {}) {
      const { where, limit, order, after } = normaliseQuery(q)
      // Only fixed fragments are concatenated below; every value (filters included) is a parameter.
      const params: unknown[] = [projectId, collection]
      let sql = `SELECT ${COLUMNS} FROM app_documents WHERE project_id = $1 AND collection = $2`
      if (where.length > 0) {
        // Containment on the top-level fields is type-exact (1 does not match "1"), like Cosmos `=`,
        // and is served by the GIN index.
        params.push(JSON.stringify(Object.fromEntries(where)))
        sql += ` AND body @> $${params.length}::jsonb`
      }
      if (after) {
        params.push(after.updatedAt, after.id)
        sql += ` AND (updated_at, id) ${order === 'asc' ? '>' : '<'} ($${params.length - 1}::timestamptz, $${params.length})`
      }
      const dir = order === 'asc' ? 'ASC' : 'DESC'
      params.push(limit + 1)
      sql += ` ORDER BY updated_at ${dir}, id ${dir} LIMIT $${params.length}`
      const res = await db.query<Row>(sql, params)
      return toPage(res.rows.map((r) => toDocument<Body>(r)), limit)
    },

    cursorAfter: (doc) => encodeCursor({ updatedAt: doc.updatedAt, id: doc.id }),

    ping: () => db.ping(),

    // The database belongs to the composition root, which closes it after every user is closed.
    async close() {},
  }
}
