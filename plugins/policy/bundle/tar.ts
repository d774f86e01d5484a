/**
 * Tar for policy bundles, on tar-stream, with the limits a bundle upload needs. The archive is
 * already inflated in memory (gzip.ts caps that), so entries are collected as buffers.
 *
 * tar-stream reads USTAR (with the prefix field), PAX 'x'/'g' records and GNU long names, which
 * covers what Go's archive/tar (`opa build`) and GNU tar write. What it does not check, and we do:
 * how many entries and how many bytes an archive may hold, and which entry types a bundle may
 * contain (regular files and directories only: links could point outside the bundle when anyone
 * extracts it). Paths are checked by the bundle reader (paths.ts).
 */
import { extract, pack, type Header } from 'tar-stream'
import { BundleError } from './errors.ts'

export interface TarEntry {
  /** The member name as stored (PAX/GNU long names resolved), without a directory's trailing '/'. */
  name: string
  type: 'file' | 'dir'
  data: Buffer
}

export interface TarReadLimits {
  /** Most file and directory entries accepted. */
  maxEntries?: number
  /** Most bytes of entry content accepted, summed over all entries. */
  maxBytes?: number
}

const DEFAULT_TAR_LIMITS = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 } as const

const invalid = (message: string) => new BundleError('BUNDLE_INVALID_TAR', `${message}; the archive is corrupt or truncated, rebuild it`)

/** Checks one header against the limits; returns the entry's type or throws. */
function admit(header: Header, seen: { entries: number; bytes: number }, maxEntries: number, maxBytes: number): TarEntry['type'] {
  const kind: Header['type'] | null = header.type // null for a type flag tar-stream does not know
  const type = kind === 'directory' ? 'dir' : kind === 'file' || kind === 'contiguous-file' ? 'file' : undefined
  if (!type) {
    throw new BundleError('BUNDLE_UNSUPPORTED', `tar entry '${header.name}' is a ${kind ?? 'entry of unknown type'}; bundles may contain only regular files and directories`)
  }
  if (++seen.entries > maxEntries) {
    throw new BundleError('BUNDLE_TOO_LARGE', `archive has more than ${maxEntries} entries; split the bundle or raise the entry limit`)
  }
  seen.bytes += header.size
  if (seen.bytes > maxBytes) {
    throw new BundleError('BUNDLE_TOO_LARGE', `tar content exceeds ${maxBytes} bytes; shrink the bundle or raise the size limit`)
  }
  return type
}

export function readTar(buf: Buffer, limits: TarReadLimits = {}): Promise<TarEntry[]> {
  const maxEntries = limits.maxEntries ?? DEFAULT_TAR_LIMITS.maxEntries
  const maxBytes = limits.maxBytes ?? DEFAULT_TAR_LIMITS.maxBytes
  const entries: TarEntry[] = []
  const seen = { entries: 0, bytes: 0 }
  return new Promise((resolve, reject) => {
    const reader = extract()
    reader.on('entry', (header, stream, next) => {
      // A failing archive destroys the entry being read with the archive's error; report it once, below.
      stream.on('error', () => {})
      let type: TarEntry['type']
      try {
        type = admit(header, seen, maxEntries, maxBytes)
      } catch (err) {
        stream.resume()
        return reader.destroy(err as Error)
      }
      const chunks: Buffer[] = []
      stream.on('data', (c) => chunks.push(c as Buffer))
      stream.on('end', () => {
        entries.push({ name: type === 'dir' ? header.name.replace(/\/+$/, '') : header.name, type, data: Buffer.concat(chunks) })
        next()
      })
    })
    reader.on('finish', () => resolve(entries))
    reader.on('error', (err) => reject(err instanceof BundleError ? err : invalid(err.message)))
    reader.end(buf)
  })
}

export interface TarWriteEntry {
  name: string
  data: Buffer
  /** Defaults to the epoch so output does not depend on when it was built. */
  mtime?: Date
}

/**
 * Regular files only, in the order given; callers sort when they need canonical output. Every
 * machine-dependent field is pinned (mode 0644, owner 0/0, no user or group names, mtime as given
 * or the epoch), so equal input gives equal bytes.
 */
export function writeTar(entries: TarWriteEntry[]): Promise<Buffer> {
  for (const e of entries) {
    if (e.name === '' || e.name.includes('\0')) {
      throw new BundleError('BUNDLE_INVALID_PATH', `tar entry name ${JSON.stringify(e.name)} is empty or contains NUL; give every file a name`)
    }
  }
  const out = pack()
  const chunks: Buffer[] = []
  const done = new Promise<Buffer>((resolve, reject) => {
    out.on('data', (c) => chunks.push(c as Buffer))
    out.on('end', () => resolve(Buffer.concat(chunks)))
    out.on('error', reject)
  })
  for (const e of entries) {
    const ms = e.mtime?.getTime() ?? 0
    out.entry(
      {
        name: e.name,
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        mtime: new Date(Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) * 1000 : 0),
        // A name longer than USTAR's name field goes in a PAX record, as Go's writer does:
        // tar-stream would otherwise split it into the prefix field and drop a leading '/'.
        ...(Buffer.byteLength(e.name) > 100 ? { pax: {} } : {}),
      },
      e.data,
    )
  }
  out.finalize()
  return done
}
