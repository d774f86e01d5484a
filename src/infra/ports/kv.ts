/**
 * Key-value port with etcd's model: a global revision that every write bumps, per-key create/mod
 * revisions and version, prefix ranges, compare-and-swap transactions, leases and watches that can
 * start from a past revision (so a process that reconnects misses nothing).
 *
 * Values are UTF-8 strings: the domains store JSON documents and Rego text.
 * Adapters: etcd (`createEtcdKv`) and the embedded one on the SQL port (`createSqlKv`).
 */
export interface KvEntry {
  key: string
  value: string
  createRevision: number
  modRevision: number
  /** Number of writes since the key was (re)created; 0 never appears on a live key. */
  version: number
  /** Lease id the key is attached to, if any. */
  lease?: string
}

export interface KvRangeResult {
  entries: KvEntry[]
  /** Store revision at which the range was read. */
  revision: number
  /** True when `limit` cut the result short. */
  more: boolean
}

/** A transaction guard. `modRevision`/`createRevision`/`version` 0 mean "key absent". */
export type KvCompare =
  | { key: string; target: 'modRevision' | 'createRevision' | 'version'; op: '=' | '!=' | '<' | '>'; value: number }
  | { key: string; target: 'value'; op: '=' | '!='; value: string }

export type KvOp =
  | { type: 'put'; key: string; value: string; lease?: string }
  | { type: 'delete'; key: string }
  | { type: 'deletePrefix'; prefix: string }
  | { type: 'get'; key: string }

export interface KvTxnResult {
  succeeded: boolean
  revision: number
  /** Results of `get` ops in the branch that ran, in order. */
  gets: Array<KvEntry | undefined>
}

export interface KvWatchEvent {
  type: 'put' | 'delete'
  key: string
  /** Value after a put; undefined for deletes. */
  value?: string
  modRevision: number
}

export interface KvWatch {
  /** Stops delivering events. Idempotent. */
  cancel(): Promise<void>
}

export interface KvLease {
  id: string
  ttlSeconds: number
  /** Rejects with KV_LEASE_NOT_FOUND once the lease has expired or been revoked. */
  keepAliveOnce(): Promise<void>
  /** Deletes the lease and its keys. Idempotent. */
  revoke(): Promise<void>
}

export interface KvStore {
  readonly kind: 'etcd' | 'embedded'
  get(key: string): Promise<KvEntry | undefined>
  range(prefix: string, opts?: { limit?: number }): Promise<KvRangeResult>
  put(key: string, value: string, opts?: { lease?: string }): Promise<{ revision: number }>
  delete(key: string): Promise<{ revision: number; deleted: number }>
  deletePrefix(prefix: string): Promise<{ revision: number; deleted: number }>
  txn(compares: KvCompare[], success: KvOp[], failure?: KvOp[]): Promise<KvTxnResult>
  grantLease(ttlSeconds: number): Promise<KvLease>
  /**
   * Delivers every change under `prefix` with modRevision >= `fromRevision` (default: changes after
   * now), in revision order, at least once. Errors from the backing store go to `onError`; the
   * adapter keeps retrying until cancelled. Exception: KV_COMPACTED (the history the watch needs is
   * gone) ends the watch; re-read with `range` and watch from its revision + 1. A `fromRevision`
   * that is already compacted rejects the call with KV_COMPACTED.
   */
  watch(
    prefix: string,
    onEvent: (event: KvWatchEvent) => void,
    opts?: { fromRevision?: number; onError?: (err: Error) => void },
  ): Promise<KvWatch>
  /** Current store revision. */
  revision(): Promise<number>
  ping(): Promise<void>
  close(): Promise<void>
}
