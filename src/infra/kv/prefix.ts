/**
 * Upper bounds for prefix scans. Both stores order keys by their UTF-8 bytes (etcd natively, the SQL
 * store through `COLLATE "C"`), so "every key starting with p" is the half-open range [p, end(p)).
 * A bound, unlike `LIKE 'p%'`, needs no escaping and lets Postgres use the primary-key index.
 */

/** Smallest byte string greater than every string starting with `prefix`; undefined = no bound. */
export function bytePrefixEnd(prefix: Buffer): Buffer | undefined {
  const end = Buffer.from(prefix)
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++
      return end.subarray(0, i + 1)
    }
  }
  return undefined
}

const MAX_CODE_POINT = 0x10ffff

/**
 * The same bound for text, in code points: UTF-8 byte order equals code point order, so bumping the
 * last code point that can be bumped gives the bound. Surrogates are not valid in Postgres text, so
 * U+D7FF bumps to U+E000.
 */
export function textPrefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix, (ch) => ch.codePointAt(0)!)
  while (points.length > 0) {
    const last = points.pop()!
    if (last < MAX_CODE_POINT) {
      points.push(last === 0xd7ff ? 0xe000 : last + 1)
      return String.fromCodePoint(...points)
    }
  }
  return undefined
}
