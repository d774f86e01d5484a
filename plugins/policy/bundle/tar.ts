/**
 * A synchronous tar reader and writer, sized for policy bundles held in memory.
 *
 * Reads what Go's archive/tar (used by `opa build`) and GNU tar produce: USTAR with the 155-byte
 * prefix, PAX 'x'/'g' extended headers and GNU 'L' long names. Writes plain USTAR, adding a PAX
 * header only for names that cannot be split into prefix/name, with every machine-dependent field
 * pinned so equal input gives equal bytes (bundle ETags are derived from them).
 */
import { BundleError } from './errors.ts'
import {
  BLOCK, FIELD, checksumMatches, encodeHeader, isZeroBlock, parsePaxRecords, paxRecord, readNumber, readString,
} from './tar-header.ts'

export interface TarEntry {
  /** The member name as stored (PAX/GNU long names resolved), without a directory's trailing '/'. */
  name: string
  type: 'file' | 'dir'
  /** A view into the input buffer, not a copy. */
  data: Buffer
}

export interface TarReadLimits {
  /** Most file and directory entries accepted. */
  maxEntries?: number
  /** Most bytes of entry content accepted, summed over all entries including extended headers. */
  maxBytes?: number
}

export const DEFAULT_TAR_LIMITS = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 } as const

const invalid = (message: string) => new BundleError('BUNDLE_INVALID_TAR', `${message}; the archive is corrupt or truncated, rebuild it`)

export function readTar(buf: Buffer, limits: TarReadLimits = {}): TarEntry[] {
  const maxEntries = limits.maxEntries ?? DEFAULT_TAR_LIMITS.maxEntries
  const maxBytes = limits.maxBytes ?? DEFAULT_TAR_LIMITS.maxBytes
  const entries: TarEntry[] = []
  let global = new Map<string, string>()
  let local: Map<string, string> | undefined
  let longName: string | undefined
  let total = 0
  let off = 0

  while (off + BLOCK <= buf.length) {
    const header = buf.subarray(off, off + BLOCK)
    if (isZeroBlock(header)) {
      // End-of-archive marker. A lone zero block followed by a real header means a corrupt archive.
      const next = buf.subarray(off + BLOCK, off + 2 * BLOCK)
      if (next.length === BLOCK && !isZeroBlock(next)) throw invalid(`zero block followed by data at offset ${off}`)
      return finish(entries, local, longName)
    }
    if (!checksumMatches(header)) throw invalid(`header checksum mismatch at offset ${off}`)

    const typeflag = String.fromCharCode(header[FIELD.typeflag[0]])
    const isMeta = typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K'
    const paxSize = isMeta ? undefined : (local?.get('size') ?? global.get('size'))
    const size = paxSize !== undefined ? (/^\d+$/.test(paxSize) ? Number(paxSize) : undefined) : readNumber(header, FIELD.size)
    if (size === undefined || !Number.isSafeInteger(size)) throw invalid(`unreadable size in header at offset ${off}`)
    total += size
    if (total > maxBytes) {
      throw new BundleError('BUNDLE_TOO_LARGE', `tar content exceeds ${maxBytes} bytes; shrink the bundle or raise the size limit`)
    }
    const start = off + BLOCK
    if (start + size > buf.length) throw invalid(`entry at offset ${off} claims ${size} bytes but the archive ends first`)
    const data = buf.subarray(start, start + size)
    off = start + Math.ceil(size / BLOCK) * BLOCK

    const headerName = ustarName(header)
    if (typeflag === 'x') { local = parsePaxRecords(data, headerName); continue }
    if (typeflag === 'g') { global = mergePax(global, parsePaxRecords(data, headerName)); continue }
    if (typeflag === 'L') { longName = readString(data, [0, data.length]); continue }
    if (typeflag === 'K') continue // GNU long link name: links are refused below anyway.

    let name = local?.get('path') ?? longName ?? global.get('path') ?? headerName
    local = undefined
    longName = undefined
    let type: TarEntry['type']
    if (typeflag === '5') type = 'dir'
    else if (typeflag === '0' || typeflag === '\0' || typeflag === '7') type = name.endsWith('/') ? 'dir' : 'file'
    else {
      throw new BundleError('BUNDLE_UNSUPPORTED', `tar entry '${name}' has type '${typeflag}' (${describeType(typeflag)}); bundles may contain only regular files and directories`)
    }
    if (type === 'dir') name = name.replace(/\/+$/, '')
    if (entries.length >= maxEntries) {
      throw new BundleError('BUNDLE_TOO_LARGE', `archive has more than ${maxEntries} entries; split the bundle or raise the entry limit`)
    }
    entries.push({ name, type, data })
  }
  // Like Go's reader, a missing end-of-archive marker is tolerated (gzip's CRC already catches
  // truncation of the compressed stream), but a partial header block is not.
  if (off < buf.length && !isZeroBlock(buf.subarray(off))) throw invalid(`archive ends inside a header at offset ${off}`)
  return finish(entries, local, longName)
}

function finish(entries: TarEntry[], local: Map<string, string> | undefined, longName: string | undefined): TarEntry[] {
  if (local !== undefined || longName !== undefined) throw invalid('archive ends after an extended header, before the entry it describes')
  return entries
}

/** USTAR splits long names into prefix + '/' + name; GNU and V7 headers use that area for other fields. */
function ustarName(header: Buffer): string {
  const name = readString(header, FIELD.name)
  if (header.toString('latin1', FIELD.magic[0], FIELD.magic[0] + FIELD.magic[1]) !== 'ustar\0') return name
  const prefix = readString(header, FIELD.prefix)
  return prefix === '' ? name : `${prefix}/${name}`
}

/** A PAX record with an empty value deletes the key (POSIX pax, "keyword=" form). */
function mergePax(base: Map<string, string>, update: Map<string, string>): Map<string, string> {
  const merged = new Map(base)
  for (const [k, v] of update) v === '' ? merged.delete(k) : merged.set(k, v)
  return merged
}

function describeType(t: string): string {
  const names: Record<string, string> = { '1': 'hard link', '2': 'symbolic link', '3': 'character device', '4': 'block device', '6': 'FIFO', S: 'GNU sparse file', M: 'GNU multi-volume', V: 'GNU volume label', D: 'GNU directory dump' }
  return names[t] ?? 'unknown'
}

export interface TarWriteEntry {
  name: string
  data: Buffer
  /** Defaults to the epoch so output does not depend on when it was built. */
  mtime?: Date
}

/** Regular files only, in the order given; callers sort when they need canonical output. */
export function writeTar(entries: TarWriteEntry[]): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    if (e.name === '' || e.name.includes('\0')) {
      throw new BundleError('BUNDLE_INVALID_PATH', `tar entry name ${JSON.stringify(e.name)} is empty or contains NUL; give every file a name`)
    }
    const ms = e.mtime?.getTime() ?? 0
    const mtime = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0
    let split = splitUstarName(e.name)
    if (split === undefined) {
      // The name cannot be stored in USTAR fields: carry it in a PAX 'path' record; the header keeps a
      // truncated ASCII stand-in that only readers without PAX support would ever see.
      const records = paxRecord('path', e.name)
      const base = e.name.replace(/\/+$/, '').split('/').pop() ?? ''
      parts.push(encodeHeader({ name: asciiPrefix(`PaxHeaders/${base}`, 100), prefix: '', size: records.length, mtime, typeflag: 'x' }))
      parts.push(padded(records))
      split = { name: asciiPrefix(e.name, 100), prefix: '' }
    }
    parts.push(encodeHeader({ ...split, size: e.data.length, mtime, typeflag: '0' }))
    parts.push(padded(e.data))
  }
  parts.push(Buffer.alloc(2 * BLOCK))
  return Buffer.concat(parts)
}

/** Fits a name into USTAR's name (100) and prefix (155) fields, split at a '/'; undefined if impossible. */
function splitUstarName(name: string): { name: string; prefix: string } | undefined {
  if (!/^[\x01-\x7f]*$/.test(name)) return undefined // non-ASCII names go to PAX, which is defined as UTF-8
  if (name.length <= 100) return { name, prefix: '' }
  // The prefix must be non-empty, or a leading '/' would be lost when the reader joins them back.
  for (let i = Math.min(155, name.length - 2); i >= Math.max(1, name.length - 101); i--) {
    if (name[i] === '/') return { prefix: name.slice(0, i), name: name.slice(i + 1) }
  }
  return undefined
}

function asciiPrefix(s: string, max: number): string {
  return s.replace(/[^\x01-\x7f]/g, '_').slice(0, max)
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest)])
}
