import type { IdempotencyRecord, IdempotencyStore } from '../ports/idempotency.ts'
import type { MongoConnection } from '../platform/mongo.ts'
import { PlatformErrors } from '../platform/errors.ts'
import type { GetCollections, IdempotencyDoc } from '../platform/mongo-collections.ts'
import { isDuplicateKey } from '../platform/mongo-collections.ts'
import { parseTime, readTime } from '../platform/time.ts'

function toRecord(d: IdempotencyDoc): IdempotencyRecord {
  const record: IdempotencyRecord = {
    scope: d.scope,
    key: d.key,
    requestHash: d.requestHash,
    state: d.state,
    createdAt: readTime(d.createdAt),
  }
  if (d.statusCode != null) record.statusCode = d.statusCode
  if (d.responseBody != null) record.responseBody = d.responseBody
  return record
}

// A record can vanish between our rejected insert and the read (its owner abandoned it); the insert
// is then retried. More than a few rounds means something keeps churning the key.
const BEGIN_ATTEMPTS = 5


/** Idempotency records on MongoDB, on the platform store's connection (which its owner closes). */
export function createMongoIdempotencyStore(conn: MongoConnection): IdempotencyStore {
  const cols: GetCollections = conn.cols
  return {
    kind: 'mongodb',
    ping: conn.ping,
    async close() {},
    async beginIdempotent(record) {
      const c = await cols()
      const createdAt = parseTime(record.createdAt)
      for (let attempt = 0; attempt < BEGIN_ATTEMPTS; attempt++) {
        try {
          // The unique (scope, key) index makes the claim atomic: one concurrent insert wins.
          await c.idempotency.insertOne({
            scope: record.scope,
            key: record.key,
            requestHash: record.requestHash,
            state: 'pending',
            createdAt,
          })
          return { created: true }
        } catch (err) {
          if (!isDuplicateKey(err)) throw err
        }
        const existing = await c.idempotency.findOne({ scope: record.scope, key: record.key })
        if (existing) return { created: false, existing: toRecord(existing) }
      }
      throw PlatformErrors.conflict('The idempotency record keeps changing under concurrent requests; retry.')
    },

    async completeIdempotent(scope, key, statusCode, responseBody) {
      // Only a pending record completes: a stored response is what every replay returns, so it never changes.
      await (await cols()).idempotency.updateOne(
        { scope, key, state: 'pending' },
        { $set: { state: 'done', statusCode, responseBody } },
      )
    },

    async abandonIdempotent(scope, key) {
      await (await cols()).idempotency.deleteOne({ scope, key, state: 'pending' })
    },
  }
}
