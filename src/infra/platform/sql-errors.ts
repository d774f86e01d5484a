import { PlatformErrors } from './errors.ts'

// SQLSTATEs both pg and PGlite expose as `err.code`.
const UNIQUE_VIOLATION = '23505'
const FOREIGN_KEY_VIOLATION = '23503'

export interface SqlErrorMessages {
  /** Message for a unique violation (the record's identity is taken). */
  conflict?: string
  /** Message for a foreign-key violation (the referenced project is missing). */
  projectNotFound?: string
}

/**
 * Maps the driver errors a caller can provoke with valid input to DyadErrors; anything else is a bug
 * or an outage and is rethrown untouched for the error handler to log.
 */
export function translateSqlError(err: unknown, messages: SqlErrorMessages): unknown {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
  if (code === UNIQUE_VIOLATION && messages.conflict) return PlatformErrors.conflict(messages.conflict)
  if (code === FOREIGN_KEY_VIOLATION && messages.projectNotFound) {
    return PlatformErrors.projectNotFound(messages.projectNotFound)
  }
  return err
}
