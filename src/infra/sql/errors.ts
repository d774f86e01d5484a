import { errorArea } from '../../shared/errors.ts'

const defineError = errorArea('SQL_')

/** Errors the SQL adapters throw for failures of the database itself (not of a statement). */
export const SqlErrors = {
  /**
   * No connection, a connection lost mid-statement, or a server that is shutting down, starting or
   * no longer the primary (a failover in progress). For a write the outcome is unknown: retry with
   * the same Idempotency-Key, which the gateway stores durably.
   */
  unavailable: defineError('SQL_UNAVAILABLE', 503, 'The database is unavailable (a failover may be in progress); retry later.'),
  /**
   * Postgres committed locally but stopped waiting for the synchronous standby (the statement was
   * cancelled, e.g. by statement_timeout) and reported success with only a WARNING. The write may
   * be lost if the primary fails now, so it is not acknowledged to the caller.
   */
  commitUnconfirmed: defineError(
    'SQL_COMMIT_UNCONFIRMED',
    503,
    'The write was not confirmed by the synchronous standby; it may not survive a failover. Retry with the same Idempotency-Key.',
  ),
} as const
