import { KvErrors } from './errors.ts'

/**
 * Argument checks both adapters share, so a bad argument fails the same way on either store
 * (etcd would otherwise coerce some of them silently: a non-numeric lease id becomes lease 0, which
 * means "no lease").
 */

/** Lease ids are positive int64s on both stores; anything else cannot name a lease. */
export function checkLeaseId(id: string): string {
  if (!/^[1-9]\d{0,18}$/.test(id) || BigInt(id) > 0x7fffffffffffffffn) {
    throw KvErrors.leaseNotFound(`Lease ${JSON.stringify(id)} does not exist.`)
  }
  return id
}

export function checkTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw KvErrors.invalidArgument(`A lease TTL must be a whole number of seconds >= 1, got ${ttlSeconds}.`)
  }
}

/** 0 (or absent) means no limit, as on etcd. */
export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) throw KvErrors.invalidArgument(`limit must be a whole number >= 0, got ${limit}.`)
}

export function checkFromRevision(fromRevision: number | undefined): void {
  if (fromRevision !== undefined && (!Number.isInteger(fromRevision) || fromRevision < 1)) {
    throw KvErrors.invalidArgument(`fromRevision must be a whole number >= 1, got ${fromRevision}.`)
  }
}
