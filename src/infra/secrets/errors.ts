import { errorArea } from '../../shared/errors.ts'

const defineError = errorArea('SECRETS_')

/**
 * Secrets errors. Messages and details name paths at most, never values: errors are rendered to
 * clients and written to logs.
 */
export const SecretsErrors = {
  invalidPath: defineError(
    'SECRETS_INVALID_PATH',
    400,
    'Secret paths are 1-256 characters of A-Z a-z 0-9 . _ / -, with no "..", no empty segment and no leading or trailing "/".',
  ),
  invalidValue: defineError('SECRETS_INVALID_VALUE', 400, 'A secret value must be an object whose fields are all strings.'),
  keyMismatch: defineError(
    'SECRETS_KEY_MISMATCH',
    500,
    'The secrets file cannot be decrypted with the configured key (wrong DYAD_SECRETS_KEY or key file, or a tampered file); restore the original key.',
  ),
  keyMissing: defineError(
    'SECRETS_KEY_MISSING',
    500,
    'The secrets file exists but its key file is missing; restore the key file or set DYAD_SECRETS_KEY.',
  ),
  invalidKey: defineError('SECRETS_INVALID_KEY', 500, 'The secrets key must be 32 bytes, given as 64 hex characters or base64.'),
  corrupt: defineError('SECRETS_FILE_CORRUPT', 500, 'The secrets file is not valid; restore it from a backup.'),
  unavailable: defineError('SECRETS_UNAVAILABLE', 503, 'The secrets backend is unavailable; retry later.'),
} as const
