/**
 * The package path of a Rego module, read from its `package` line alone. The bundle layer only needs
 * it to enforce manifest roots, so it deliberately does not depend on the Rego parser: a module the
 * regex cannot read is left for the compiler to reject with a proper location.
 */

// OPA requires the package clause before anything but comments and blank lines.
const PACKAGE_LINE = /^package\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\s*"(?:[^"\\]|\\.)*"\s*\])*)\s*(?:#.*)?$/
const REF_PART = /(?:^|\.)([A-Za-z_]\w*)|\[\s*("(?:[^"\\]|\\.)*")\s*\]/g

/** ['x', 'y'] for `package x.y` or `package x["y"]`; undefined when there is no readable package line. */
export function packagePath(raw: string): string[] | undefined {
  for (const rawLine of raw.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = rawLine.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = PACKAGE_LINE.exec(line)
    if (!m) return undefined
    const parts: string[] = []
    for (const part of m[1].matchAll(REF_PART)) {
      if (part[1] !== undefined) parts.push(part[1])
      else {
        try { parts.push(JSON.parse(part[2]) as string) } catch { return undefined }
      }
    }
    return parts
  }
  return undefined
}
