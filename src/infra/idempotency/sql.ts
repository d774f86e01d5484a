import type { IdempotencyRecord, IdempotencyStore } from '../ports/idempotency.ts'
import type { SqlDatabase } from '../ports/sql.ts'
import { PlatformErrors } from '../platform/errors.ts'
import { isoTime, readTime } from '../platform/time.ts'

interface IdempotencyRow {
  scope: string
  key: string
  request_hash: string
  state: IdempotencyRecord['state']
  status_code: number | null
  response_body: string | null
  created_at: Date
}

function toRecord(r: IdempotencyRow): IdempotencyRecord {
  const record: IdempotencyRecord = {
    scope: r.scope,
    key: r.key,
    requestHash: r.request_hash,
    state: r.state,
    createdAt: readTime(r.created_at),
  }
  if (r.status_code !== null) record.statusCode = r.status_code
  if (r.response_body !== null) record.responseBody = r.response_body
  return record
}

// A record can vanish between our conflicting insert and the read (its owner abandoned it); the
// insert is then retried. More than a few rounds means something keeps churning the key.
const BEGIN_ATTEMPTS = 5


/** Idempotency records on the SQL port; the database is shared, so the store never closes it. */
export function createSqlIdempotencyStore({ db }: { db: SqlDatabase }): IdempotencyStore {
  return {
    kind: 'postgres',
    ping: () => db.ping(),
    async close() {},
    async beginIdempotent(record) {
      const createdAt = isoTime(record.createdAt)
      for (let attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
        // ON CONFLICT DO NOTHING makes the claim atomic: of concurrent inserts exactly one returns a row.
        const inserted = await db.query(
          `INSERT INTO platform_idempotency (scope, key, request_hash, state, created_at)
           VALUES ($1, $2, $3, 'pending', $4)
           ON CONFLICT (scope, key) DO NOTHING
           RETURNING scope`,
          [record.scope, record.key, record.requestHash, createdAt],
        )
        if (inserted.rows.length === 1) return { created: true }
        const existing = await db.query<IdempotencyRow>(
          'SELECT * FROM platform_idempotency WHERE scope = $1 AND key = $2',
          [record.scope, record.key],
        )
        if (existing.rows[0]) return { created: false, existing: toRecord(existing.rows[0]) }
      }
      throw PlatformErrors.conflict('The idempotency record keeps changing under concurrent requests; retry.')
    },

    async completeIdempotent(scope, key, statusCode, responseBody) {
      // Only a pending record completes: a stored response is what every replay returns, so it never changes.
      await db.query(
        `UPDATE platform_idempotency SET state = 'done', status_code = $3, response_body = $4
         WHERE scope = $1 AND key = $2 AND state = 'pending'`,
        [scope, key, statusCode, responseBody],
      )
    },

    async abandonIdempotent(scope, key) {
      await db.query(`DELETE FROM platform_idempotency WHERE scope = $1 AND key = $2 AND state = 'pending'`, [
        scope,
        key,
      ])
    },
  }
}
