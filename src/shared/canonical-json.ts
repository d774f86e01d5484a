/**
 * JSON with object keys in sorted order at every level, so two documents that differ only in key
 * order serialise identically (request fingerprints, content hashes). Arrays keep their order.
 * Depth is bounded by the caller (bodies are refused past MAX_BODY_DEPTH before this runs).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`
  const obj = value as Record<string, unknown>
  const parts: string[] = []
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue
    parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`)
  }
  return `{${parts.join(',')}}`
}
