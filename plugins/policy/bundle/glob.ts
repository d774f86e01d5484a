/**
 * `exclude_files` patterns, as Go's filepath.Match reads them for OPA: `*` matches any run of
 * characters except '/', `?` one such character, anything else itself. Character classes and
 * escapes are refused when the config is saved (see `checkGlob`). Matched by dynamic
 * programming over (pattern, name), so a hostile pattern costs at most |pattern| x |name|.
 */
export function checkGlob(pattern: string): string | undefined {
  if (/[[\]\\]/.test(pattern)) return `exclude pattern ${JSON.stringify(pattern)}: character classes and escapes are not supported; use * and ?`
  return undefined
}

export function globMatch(pattern: string, name: string): boolean {
  const p = [...pattern]
  const n = [...name]
  // row[j]: whether p[0..i) matches n[0..j)
  let row = new Array<boolean>(n.length + 1).fill(false)
  row[0] = true
  for (const c of p) {
    const next = new Array<boolean>(n.length + 1).fill(false)
    if (c === '*') {
      next[0] = row[0]!
      for (let j = 1; j <= n.length; j++) next[j] = row[j]! || (next[j - 1]! && n[j - 1] !== '/')
    } else {
      for (let j = 1; j <= n.length; j++) next[j] = row[j - 1]! && (c === '?' ? n[j - 1] !== '/' : n[j - 1] === c)
    }
    row = next
  }
  return row[n.length]!
}
