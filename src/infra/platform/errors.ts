/**
 * Errors the platform store raises for expected conditions, so services and the HTTP error handler
 * see stable codes instead of driver errors (Postgres SQLSTATEs, MongoDB error numbers).
 */
import { errorArea } from '../../shared/errors.ts'

const defineError = errorArea('PLATFORM_')

export const PlatformErrors = {
  /** A record with the same identity exists (project id, API key id, audit id). */
  conflict: defineError('PLATFORM_CONFLICT', 409, 'A record with this id already exists; choose another id.'),
  /** A member or project-scoped key names a project that does not exist. */
  projectNotFound: defineError('PLATFORM_PROJECT_NOT_FOUND', 404, 'The project does not exist; create it first.'),
  invalidCursor: defineError(
    'PLATFORM_INVALID_CURSOR',
    400,
    'The cursor is not one this listing returned; start again without a cursor.',
  ),
  invalidTime: defineError('PLATFORM_INVALID_TIME', 400, 'Timestamps must be ISO 8601 date-times.'),
} as const
