/** Just enough DER to split certificate chains and read X.501 names (node:crypto covers the rest). */

export class Asn1Error extends Error {
  constructor(detail: string) {
    super(`asn1: structure error: ${detail}`)
  }
}

/** `at` is where the tag byte sits, `start`..`end` the contents. */
export interface Tlv { tag: number; at: number; start: number; end: number; next: number }

export function readTlv(b: Uint8Array, at: number): Tlv {
  if (at + 2 > b.length) throw new Asn1Error('truncated tag or length')
  const tag = b[at]
  let len = b[at + 1]
  let start = at + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0 || n > 4 || start + n > b.length) throw new Asn1Error('bad length')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + b[start + i]
    start += n
  }
  const end = start + len
  if (end > b.length) throw new Asn1Error('data truncated')
  return { tag, at, start, end, next: end }
}

export function children(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = t.start; at < t.end; ) {
    const c = readTlv(b, at)
    out.push(c)
    at = c.next
  }
  return out
}

/** Concatenated DER structures (a certificate chain) split into their own buffers. */
export function splitDer(b: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let at = 0; at < b.length; ) {
    const t = readTlv(b, at)
    if (t.tag !== 0x30) throw new Asn1Error('expected a SEQUENCE')
    out.push(b.subarray(at, t.end))
    at = t.end
  }
  return out
}

/** Dotted text of an OBJECT IDENTIFIER's contents. */
export function oid(b: Uint8Array, t: Tlv): string {
  const bytes = b.subarray(t.start, t.end)
  const parts = [Math.floor(bytes[0] / 40), bytes[0] % 40]
  let v = 0
  for (const x of bytes.subarray(1)) {
    v = v * 128 + (x & 0x7f)
    if (!(x & 0x80)) { parts.push(v); v = 0 }
  }
  return parts.join('.')
}

const ATTRS: Record<string, string> = {
  '2.5.4.6': 'Country', '2.5.4.10': 'Organization', '2.5.4.11': 'OrganizationalUnit', '2.5.4.7': 'Locality',
  '2.5.4.8': 'Province', '2.5.4.9': 'StreetAddress', '2.5.4.17': 'PostalCode', '2.5.4.5': 'SerialNumber', '2.5.4.3': 'CommonName',
}

/** pkix.Name as Go marshals it: multi-valued attributes as lists, CommonName/SerialNumber as strings. */
export function readName(b: Uint8Array, t: Tlv): Record<string, unknown> {
  const name: Record<string, unknown> = {
    Country: null, Organization: null, OrganizationalUnit: null, Locality: null, Province: null, StreetAddress: null,
    PostalCode: null, SerialNumber: '', CommonName: '', Names: [] as unknown[], ExtraNames: null,
  }
  for (const rdn of children(b, t)) {
    for (const atv of children(b, rdn)) {
      const [o, v] = children(b, atv)
      const type = oid(b, o)
      const value = Buffer.from(b.subarray(v.start, v.end)).toString(v.tag === 0x1e ? 'utf16le' : 'utf8')
      ;(name.Names as unknown[]).push({ Type: type.split('.').map(Number), Value: value })
      const field = ATTRS[type]
      if (!field) continue
      if (field === 'CommonName' || field === 'SerialNumber') name[field] = value
      else name[field] = [...((name[field] as string[] | null) ?? []), value]
    }
  }
  return name
}
