/**
 * Quota port: durable counters that both DCs draw from, one row per bucket (a project's or a
 * key's LLM tokens this month, requests today). A process never writes per request: it leases a
 * block from a bucket (`lease`), spends it from memory, and gives back what it did not use
 * (`giveBack`). The sum of leases never passes the limit given with each lease, so the total spent
 * can never exceed it; a process that dies strands at most what it held.
 *
 * Adapter: SQL (`createSqlQuota`, Postgres on the primary in production, PGlite embedded).
 */
export interface LeaseRequest {
  bucket: string
  projectId: string
  /** The least that makes the lease useful (the request's reservation minus what is held). */
  need: number
  /** What to take when there is room: a block, so later requests need no lease. */
  want: number
  /** The bucket's current limit (from configuration; it may change between leases). */
  limit: number
}

export interface QuotaStore {
  /** Atomically adds min(want, room) to the bucket when room (limit - leased) >= need; returns what was granted, 0 if refused. */
  lease(req: LeaseRequest): Promise<number>
  /** Returns unused tokens to the bucket. */
  giveBack(bucket: string, amount: number): Promise<void>
  /** What is leased out of each bucket (spent or held), for the admin view. */
  leased(buckets: string[]): Promise<Map<string, number>>
  deleteProject(projectId: string): Promise<void>
}
