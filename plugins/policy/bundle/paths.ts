/**
 * Bundle paths. Tar member names arrive as '/a/b.rego' (Go's writer), './a/b.rego' (GNU tar run on a
 * directory) or 'a/b.rego'; all three mean the same file. Nothing is ever extracted to disk, but a
 * '..' segment still has no meaning inside a bundle and is refused rather than silently resolved.
 */
import { BundleError } from './errors.ts'

/** 'a/b/c.rego' for any of the spellings above; '' for the bundle root itself. */
export function normalizeBundlePath(name: string): string {
  const segments: string[] = []
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') {
      throw new BundleError('BUNDLE_INVALID_PATH', `path '${name}' contains a '..' segment; bundle paths must stay inside the bundle`)
    }
    segments.push(segment)
  }
  return segments.join('/')
}

/** The directory segments of a normalised file path: 'a/b/data.json' → ['a', 'b']. */
export function dirSegments(path: string): string[] {
  const segments = path.split('/')
  segments.pop()
  return segments
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}
