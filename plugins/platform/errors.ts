/**
 * PLATFORM_ errors of the platform domain. The platform store declares the codes it raises itself
 * (conflict, unknown project, bad cursor or time) in src/infra/platform/errors.ts; they are reused
 * here, not declared again, so one code keeps one status and one meaning.
 */
import { errorArea } from '../../src/shared/errors.ts'
import { PlatformErrors as StoreErrors } from '../../src/infra/platform/errors.ts'

const defineError = errorArea('PLATFORM_')

export const PlatformErrors = {
  conflict: StoreErrors.conflict,
  projectNotFound: StoreErrors.projectNotFound,
  invalidCursor: StoreErrors.invalidCursor,
  projectExists: defineError('PLATFORM_PROJECT_EXISTS', 409, 'A project with this id already exists.'),
  memberNotFound: defineError('PLATFORM_MEMBER_NOT_FOUND', 404, 'The subject is not a member of the project.'),
  apiKeyNotFound: defineError('PLATFORM_API_KEY_NOT_FOUND', 404, 'The API key does not exist in this project.'),
  invalidExpiry: defineError('PLATFORM_INVALID_EXPIRY', 400, 'expiresAt must be a future ISO-8601 time.'),
  keySubjectNotMember: defineError('PLATFORM_KEY_SUBJECT_NOT_MEMBER', 400, 'An API key can only be issued to a member of the project.'),
  lastAdmin: defineError('PLATFORM_LAST_ADMIN', 409, 'The last platform admin cannot be removed.'),
  secretNotFound: defineError('PLATFORM_SECRET_NOT_FOUND', 404, 'The secret does not exist.'),
  documentNotFound: defineError('PLATFORM_DOCUMENT_NOT_FOUND', 404, 'The document does not exist.'),
}
