import { errorArea } from '../../shared/errors.ts'

const defineError = errorArea('APPDATA_')

/** Errors every app-data adapter throws, so callers and HTTP clients see the same codes on either backend. */
export const AppDataErrors = {
  alreadyExists: defineError('APPDATA_ALREADY_EXISTS', 409, 'A document with this id already exists; use put to replace it.'),
  preconditionFailed: defineError(
    'APPDATA_PRECONDITION_FAILED',
    412,
    'The document changed or no longer exists; read it again and retry with its current etag.',
  ),
  invalidCursor: defineError('APPDATA_INVALID_CURSOR', 400, 'The cursor is malformed; pass nextCursor from a previous page unchanged.'),
  invalidQuery: defineError('APPDATA_INVALID_QUERY', 400, 'The query is malformed.'),
} as const
