/**
 * Idempotency port: the records behind the Idempotency-Key header of every mutating route, owned by
 * the gateway. Adapters: SQL (`createSqlIdempotencyStore`, default) and MongoDB
 * (`createMongoIdempotencyStore`), selected with the platform store (`DYAD_PLATFORM_STORE`).
 */
export interface IdempotencyRecord {
  /** Scope + key: the principal's subject and the Idempotency-Key header. */
  scope: string
  key: string
  /** SHA-256 of method, path and body: a different request with the same key is refused. */
  requestHash: string
  /** 'pending' while the first request runs; 'done' once its response is stored. */
  state: 'pending' | 'done'
  statusCode?: number
  responseBody?: string
  createdAt: string
}

export interface IdempotencyStore {
  readonly kind: 'postgres' | 'mongodb'
  /**
   * Inserts a pending record if none exists for (scope, key) and returns { created: true }; otherwise
   * returns the existing record. Must be atomic (a unique constraint), so two concurrent requests with
   * one key cannot both run.
   */
  beginIdempotent(record: IdempotencyRecord): Promise<{ created: true } | { created: false; existing: IdempotencyRecord }>
  completeIdempotent(scope: string, key: string, statusCode: number, responseBody: string): Promise<void>
  /** Drops a pending record (the request failed before producing a replayable response). */
  abandonIdempotent(scope: string, key: string): Promise<void>
  ping(): Promise<void>
  close(): Promise<void>
}
