/**
 * gzip for bundles. Inflation is capped with zlib's maxOutputLength, so a small upload that expands
 * to gigabytes (a "zip bomb") fails fast instead of exhausting memory. Inflation runs on zlib's
 * thread pool: a 64 MiB bundle does not stall the event loop that serves decisions.
 */

const gunzipAsync = promisify(gunzip)
import { constants as bufferConstants } from 'node:buffer'
import { promisify } from 'node:util'
import { constants, gunzip, gzipSync } from 'node:zlib'
import { BundleError } from './errors.ts'

export async function gunzipCapped(gz: Buffer, maxBytes: number): Promise<Buffer> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`maxBytes must be a positive integer, got ${maxBytes}`)
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b) {
    const hint = gz.length >= 262 && gz.toString('latin1', 257, 262) === 'ustar'
      ? 'this is an uncompressed tar; gzip it (tar -czf) or upload what `opa build` wrote'
      : 'upload the .tar.gz that `opa build` writes'
    throw new BundleError('BUNDLE_INVALID_GZIP', `bundle is not gzip data (no 1f 8b header); ${hint}`)
  }
  if (gz.length > maxBytes) throw tooLarge(maxBytes)
  try {
    // zlib refuses a cap above the largest Buffer; such a cap is no cap at all.
    return await gunzipAsync(gz, { maxOutputLength: Math.min(maxBytes, bufferConstants.MAX_LENGTH) })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes)
    throw new BundleError('BUNDLE_INVALID_GZIP', `bundle gzip stream is corrupt or truncated (${(err as Error).message}); upload it again or rebuild it`)
  }
}

const tooLarge = (maxBytes: number) =>
  new BundleError('BUNDLE_TOO_LARGE', `bundle inflates to more than ${maxBytes} bytes; shrink it or raise the size limit`)

/**
 * zlib already writes a zero mtime and no file name; the OS byte (header offset 9) is the only
 * header field that varies by platform, so it is pinned to 255 ("unknown"). The deflate stream itself
 * is fixed for a given zlib build and level, which is why the level is explicit rather than default.
 */
export function gzipDeterministic(data: Buffer): Buffer {
  const gz = gzipSync(data, { level: constants.Z_BEST_COMPRESSION })
  gz[9] = 255
  return gz
}
