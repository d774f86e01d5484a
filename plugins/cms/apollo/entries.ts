/**
 * The flattened key -> string view of a release, for the key/value protocols (Apollo's
 * configurations, Spring Cloud Config's property sources): `parseDocument(...).entries` of the
 * formats module, whose conventions (Spring Boot's flattening) both protocols expect.
 *
 * Releases are immutable and their content was validated when published, so the parse is cached by
 * content hash: a busy namespace is parsed once per release, not once per read. The cache is bounded
 * by entry count and by the total size of the documents behind it.
 */
import { parseDocument } from '../formats/index.ts'
import type { Release } from '../model.ts'

const MAX_ENTRIES = 512
const MAX_CHARS = 32 * 1024 * 1024

const cache = new Map<string, { entries: Readonly<Record<string, string>>; size: number }>()
let cachedChars = 0

export function entriesOf(release: Release): Readonly<Record<string, string>> {
  const key = `${release.format}:${release.hash}`
  const hit = cache.get(key)
  if (hit) {
    // Re-inserted: Maps iterate in insertion order, so the least recently used comes first.
    cache.delete(key)
    cache.set(key, hit)
    return hit.entries
  }
  const entries = Object.freeze(parseDocument(release.format, release.content).entries)
  const size = release.content.length
  cache.set(key, { entries, size })
  cachedChars += size
  while (cache.size > MAX_ENTRIES || (cachedChars > MAX_CHARS && cache.size > 1)) {
    const [oldest, v] = cache.entries().next().value!
    cache.delete(oldest)
    cachedChars -= v.size
  }
  return entries
}
