/**
 * The 512-byte USTAR header and PAX extended-header records, shared by the tar reader and writer.
 * Only the fields a bundle needs are decoded; ownership, permissions and device numbers are ignored
 * on read and written as fixed values so output stays deterministic.
 */
import { BundleError } from './errors.ts'

export const BLOCK = 512

type Field = readonly [offset: number, length: number]

/** Byte ranges of the USTAR header fields (POSIX.1-1988). */
export const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  magic: [257, 6],
  version: [263, 2],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, Field>

/** A NUL-terminated string field, decoded as UTF-8 (Go and GNU tar both write UTF-8 names). */
export function readString(block: Buffer, [off, len]: Field): string {
  const field = block.subarray(off, off + len)
  const end = field.indexOf(0)
  return field.subarray(0, end < 0 ? len : end).toString('utf8')
}

/**
 * A numeric field: octal text padded with NULs or spaces, or GNU/Go base-256 (high bit set) for values
 * that do not fit. Returns undefined for anything else so the caller can report the header as corrupt.
 */
export function readNumber(block: Buffer, [off, len]: Field): number | undefined {
  const field = block.subarray(off, off + len)
  if (field[0] & 0x80) {
    // Base-256; 0xff marks a negative number, which no size or time in a bundle can be.
    if (field[0] === 0xff) return undefined
    let n = field[0] & 0x7f
    for (let i = 1; i < len; i++) n = n * 256 + field[i]
    return Number.isSafeInteger(n) ? n : undefined
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '')
  if (text === '') return 0
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined
}

export function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false
  return true
}

/**
 * The stored checksum must equal the byte sum of the header with the checksum field read as spaces.
 * Some historic writers summed signed bytes, so either sum is accepted (as Go and GNU tar do).
 */
export function checksumMatches(block: Buffer): boolean {
  const stored = readNumber(block, FIELD.checksum)
  if (stored === undefined) return false
  let unsigned = 0
  let signed = 0
  const [off, len] = FIELD.checksum
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= off && i < off + len ? 0x20 : block[i]
    unsigned += b
    signed += b > 127 ? b - 256 : b
  }
  return stored === unsigned || stored === signed
}

/** Parses the records of a PAX 'x' or 'g' entry: `"<len> <key>=<value>\n"`, len counting the whole record. */
export function parsePaxRecords(data: Buffer, entryName: string): Map<string, string> {
  const records = new Map<string, string>()
  let pos = 0
  while (pos < data.length && data[pos] !== 0) {
    const space = data.indexOf(0x20, pos)
    const len = space > pos ? Number(data.toString('latin1', pos, space)) : NaN
    const end = pos + len
    if (!Number.isSafeInteger(len) || len <= space - pos + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw new BundleError('BUNDLE_INVALID_TAR', `PAX extended header '${entryName}' has a malformed record at byte ${pos}; the archive is corrupt, rebuild it`)
    }
    const record = data.toString('utf8', space + 1, end - 1)
    const eq = record.indexOf('=')
    if (eq <= 0) {
      throw new BundleError('BUNDLE_INVALID_TAR', `PAX extended header '${entryName}' has a record without 'key=value'; the archive is corrupt, rebuild it`)
    }
    records.set(record.slice(0, eq), record.slice(eq + 1))
    pos = end
  }
  return records
}

/** Encodes one PAX record; the length prefix counts its own digits, hence the fixed-point loop. */
export function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`
  const bodyLen = Buffer.byteLength(body)
  let len = bodyLen + 1
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen
  return Buffer.from(`${len}${body}`, 'utf8')
}

export interface HeaderFields {
  name: string
  prefix: string
  size: number
  mtime: number
  typeflag: string
}

/**
 * A USTAR header with everything that would vary between machines pinned: mode 0644, uid/gid 0,
 * empty user and group names. `name` and `prefix` must already be ASCII and fit their fields.
 */
export function encodeHeader(h: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK)
  block.write(h.name, FIELD.name[0], FIELD.name[1], 'latin1')
  writeOctal(block, FIELD.mode, 0o644)
  writeOctal(block, FIELD.uid, 0)
  writeOctal(block, FIELD.gid, 0)
  writeOctal(block, FIELD.size, h.size)
  writeOctal(block, FIELD.mtime, h.mtime)
  block.write(h.typeflag, FIELD.typeflag[0], 1, 'latin1')
  block.write('ustar\0', FIELD.magic[0], 'latin1')
  block.write('00', FIELD.version[0], 'latin1')
  writeOctal(block, FIELD.devmajor, 0)
  writeOctal(block, FIELD.devminor, 0)
  block.write(h.prefix, FIELD.prefix[0], FIELD.prefix[1], 'latin1')
  block.fill(0x20, FIELD.checksum[0], FIELD.checksum[0] + FIELD.checksum[1])
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += block[i]
  // Traditional layout: six octal digits, NUL, space.
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', FIELD.checksum[0], 'latin1')
  return block
}

function writeOctal(block: Buffer, [off, len]: Field, n: number): void {
  const digits = n.toString(8).padStart(len - 1, '0')
  // Cannot happen for sizes Node can hold in one Buffer (the 12-byte size field reaches 8 GiB).
  if (digits.length > len - 1) throw new RangeError(`value ${n} does not fit a ${len}-byte tar field`)
  block.write(digits + '\0', off, 'latin1')
}
