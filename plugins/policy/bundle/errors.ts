/**
 * BUNDLE_ errors of the bundle reader and writer, rendered as 400s. Each failure names its code from
 * this registry (`new BundleError('BUNDLE_INVALID_TAR', why)`, checked by the type system) so a route
 * can rethrow it as it is; the message names the offending file and what to change.
 */
import { DyadError, errorArea } from '../../../src/shared/errors.ts'

const defineError = errorArea('BUNDLE_')

export const BundleErrors = {
  invalidGzip: defineError('BUNDLE_INVALID_GZIP', 400, 'The bundle is not valid gzip; upload the .tar.gz that opa build wrote.'),
  invalidTar: defineError('BUNDLE_INVALID_TAR', 400, 'The bundle is not a valid tar archive; rebuild it.'),
  tooLarge: defineError('BUNDLE_TOO_LARGE', 400, 'The bundle is larger than the configured limits; shrink it.'),
  invalidManifest: defineError('BUNDLE_INVALID_MANIFEST', 400, 'The bundle .manifest is invalid.'),
  invalidData: defineError('BUNDLE_INVALID_DATA', 400, 'A data file of the bundle is invalid.'),
  dataConflict: defineError('BUNDLE_DATA_CONFLICT', 400, 'Two data files of the bundle define the same value.'),
  rootViolation: defineError('BUNDLE_ROOT_VIOLATION', 400, 'The bundle writes outside its manifest roots.'),
  unsupported: defineError('BUNDLE_UNSUPPORTED', 400, 'The bundle uses a feature Dyad does not support.'),
  invalidPath: defineError('BUNDLE_INVALID_PATH', 400, 'A path in the bundle is invalid.'),
  /** The project requires signed bundles and this one is unsigned. */
  signatureRequired: defineError('BUNDLE_SIGNATURE_REQUIRED', 400, 'The bundle must be signed.'),
  /** Malformed .signatures.json or JWT, a signature that does not verify, a scope mismatch, an expired token. */
  signatureInvalid: defineError('BUNDLE_SIGNATURE_INVALID', 400, 'The bundle signature is invalid.'),
  signatureKeyUnknown: defineError('BUNDLE_SIGNATURE_KEY_UNKNOWN', 400, 'The bundle is signed with a key the project does not configure.'),
  /** A file's digest differs from the signed one, a file is not signed, or a signed file is missing. */
  signatureMismatch: defineError('BUNDLE_SIGNATURE_MISMATCH', 400, 'The bundle content does not match its signature.'),
  signatureUnsupported: defineError('BUNDLE_SIGNATURE_UNSUPPORTED', 400, 'The bundle signature uses an unsupported algorithm.'),
  verificationConfigInvalid: defineError('BUNDLE_VERIFICATION_CONFIG_INVALID', 400, 'The bundle verification configuration is invalid.'),
}

export type BundleErrorCode = (typeof BundleErrors)[keyof typeof BundleErrors]['code']

const byCode = new Map(Object.values(BundleErrors).map((k) => [k.code as string, k]))

export class BundleError extends DyadError {
  declare readonly code: BundleErrorCode
  constructor(code: BundleErrorCode, message: string) {
    super(code, byCode.get(code)!.statusCode, message)
    this.name = 'BundleError'
  }
}
