/**
 * Errors of the bundle reader and writer. Every failure carries a stable `code` so a route can map it
 * to an HTTP status without parsing messages; the message names the offending file and what to change.
 */
export type BundleErrorCode =
  | 'BUNDLE_INVALID_GZIP'
  | 'BUNDLE_INVALID_TAR'
  | 'BUNDLE_TOO_LARGE'
  | 'BUNDLE_INVALID_MANIFEST'
  | 'BUNDLE_INVALID_DATA'
  | 'BUNDLE_DATA_CONFLICT'
  | 'BUNDLE_ROOT_VIOLATION'
  | 'BUNDLE_UNSUPPORTED'
  | 'BUNDLE_INVALID_PATH'

export class BundleError extends Error {
  readonly code: BundleErrorCode
  constructor(code: BundleErrorCode, message: string) {
    super(message)
    this.name = 'BundleError'
    this.code = code
  }
}
