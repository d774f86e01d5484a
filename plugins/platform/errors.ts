import { defineError } from '../../src/shared/errors.ts'

export const PlatformErrors = {
  projectNotFound: defineError('PLATFORM_PROJECT_NOT_FOUND', 404, 'The project does not exist.'),
  projectExists: defineError('PLATFORM_PROJECT_EXISTS', 409, 'A project with this id already exists.'),
  memberNotFound: defineError('PLATFORM_MEMBER_NOT_FOUND', 404, 'The subject is not a member of the project.'),
  apiKeyNotFound: defineError('PLATFORM_API_KEY_NOT_FOUND', 404, 'The API key does not exist in this project.'),
  invalidExpiry: defineError('PLATFORM_INVALID_EXPIRY', 400, 'expiresAt must be a future ISO-8601 time.'),
  keySubjectNotMember: defineError('PLATFORM_KEY_SUBJECT_NOT_MEMBER', 400, 'An API key can only be issued to a member of the project.'),
  lastAdmin: defineError('PLATFORM_LAST_ADMIN', 409, 'The last platform admin cannot be removed.'),
  secretNotFound: defineError('PLATFORM_SECRET_NOT_FOUND', 404, 'The secret does not exist.'),
  documentNotFound: defineError('PLATFORM_DOCUMENT_NOT_FOUND', 404, 'The document does not exist.'),
  invalidCursor: defineError('PLATFORM_INVALID_CURSOR', 400, 'The cursor is malformed; use nextCursor from a previous page.'),
}
