import { errorArea } from '../../shared/errors.ts'

const defineError = errorArea('KV_')

/** Errors every KV adapter throws, so callers see the same codes on etcd and on the embedded store. */
export const KvErrors = {
  /**
   * The history a watch needs is gone. Terminal for that watch: the caller must re-read the state
   * (`range`) and watch again from the revision that read returned + 1.
   */
  compacted: defineError(
    'KV_COMPACTED',
    410,
    'The requested revision has been compacted; read the current state and watch from its revision.',
  ),
  leaseNotFound: defineError('KV_LEASE_NOT_FOUND', 404, 'The lease does not exist or has expired; grant a new one.'),
  /**
   * The store did not answer. For writes the outcome is unknown (the write may have been applied):
   * re-read before retrying, or retry only with a compare-and-swap guard.
   */
  unavailable: defineError('KV_UNAVAILABLE', 503, 'The key-value store is unavailable; retry later.'),
  invalidArgument: defineError('KV_INVALID_ARGUMENT', 400, 'The key-value request is invalid.'),
} as const
