/** The cms domain's error codes (CMS_), declared once; the protocol adapters declare their own areas. */
import { errorArea } from '../../src/shared/errors.ts'

const defineError = errorArea('CMS_')

export const CmsErrors = {
  appNotFound: defineError('CMS_APP_NOT_FOUND', 404, 'The app does not exist in this project.'),
  envNotFound: defineError('CMS_ENV_NOT_FOUND', 404, 'The environment does not exist for this app.'),
  namespaceNotFound: defineError('CMS_NAMESPACE_NOT_FOUND', 404, 'The namespace does not exist.'),
  draftNotFound: defineError('CMS_DRAFT_NOT_FOUND', 404, 'The namespace has no draft.'),
  notFoundKey: defineError('CMS_ACCESS_KEY_NOT_FOUND', 404, 'The access key does not exist.'),
  releaseNotFound: defineError('CMS_RELEASE_NOT_FOUND', 404, 'The release does not exist.'),
  notPublished: defineError('CMS_NOT_PUBLISHED', 404, 'The namespace has no release yet.'),
  exists: defineError('CMS_ALREADY_EXISTS', 409, 'It already exists.'),
  conflict: defineError('CMS_WRITE_CONFLICT', 409, 'It changed concurrently; read it again and retry.'),
  notEmpty: defineError('CMS_NOT_EMPTY', 409, 'It still holds namespaces or environments; delete them first.'),
  badState: defineError('CMS_INVALID_STATE', 409, 'The draft is not in a state that allows this step.'),
  noGray: defineError('CMS_NO_GRAY_RELEASE', 409, 'The namespace has no gray release.'),
  preconditionFailed: defineError('CMS_PRECONDITION_FAILED', 412, 'The draft changed since you read it (If-Match does not match its ETag).'),
  preconditionRequired: defineError('CMS_PRECONDITION_REQUIRED', 428, 'Updating an existing draft needs If-Match with the ETag you read.'),
  tooLarge: defineError('CMS_DOCUMENT_TOO_LARGE', 413, 'The document is larger than the namespace limit.'),
  invalidDocument: defineError('CMS_INVALID_DOCUMENT', 422, 'The document does not parse in its format or violates its schema.'),
  invalidSchema: defineError('CMS_INVALID_SCHEMA', 422, 'The JSON Schema is not valid.'),
  publishDenied: defineError('CMS_PUBLISH_DENIED', 403, 'The publish policy does not allow this step.'),
  secretUnresolved: defineError('CMS_SECRET_UNRESOLVED', 422, 'A secret reference does not resolve.'),
  tooMany: defineError('CMS_LIMIT_REACHED', 409, 'The project holds as many of these as it may.'),
  tooManyWatchers: defineError('CMS_TOO_MANY_WATCHERS', 429, 'The project holds as many open watches on this process as it may; close some or retry later.'),
  invalidImport: defineError('CMS_INVALID_IMPORT', 400, 'The import file is not a Dyad cms export.'),
} as const
