/** An X509Certificate as Go's x509.Certificate marshals to JSON (the fields policies read), plus OPA's URIStrings. */
import type { X509Certificate } from 'node:crypto'
import { children, oid, readName, readTlv, type Tlv } from './der.ts'
import { parseIP } from './ip.ts'

const PUBLIC_KEY_ALGORITHM: Record<string, number> = { rsa: 1, dsa: 2, ec: 3, ed25519: 4 }

/** Go's x509.SignatureAlgorithm numbering by algorithm OID. */
const SIGNATURE_ALGORITHM: Record<string, number> = {
  '1.2.840.113549.1.1.4': 2, '1.2.840.113549.1.1.5': 3, '1.2.840.113549.1.1.11': 4, '1.2.840.113549.1.1.12': 5,
  '1.2.840.113549.1.1.13': 6, '1.2.840.10040.4.3': 7, '2.16.840.1.101.3.4.3.2': 8, '1.2.840.10045.4.1': 9,
  '1.2.840.10045.4.3.2': 10, '1.2.840.10045.4.3.3': 11, '1.2.840.10045.4.3.4': 12, '1.2.840.113549.1.1.10': 13, '1.3.101.112': 16,
}

/** Go's x509.ExtKeyUsage numbering by OID. */
const EXT_KEY_USAGE: Record<string, number> = {
  '2.5.29.37.0': 0, '1.3.6.1.5.5.7.3.1': 1, '1.3.6.1.5.5.7.3.2': 2, '1.3.6.1.5.5.7.3.3': 3, '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5, '1.3.6.1.5.5.7.3.6': 6, '1.3.6.1.5.5.7.3.7': 7, '1.3.6.1.5.5.7.3.8': 8, '1.3.6.1.5.5.7.3.9': 9,
}

function altNames(c: X509Certificate, kind: string): string[] | null {
  const names = (c.subjectAltName ?? '').split(/,\s*/).filter((s) => s.startsWith(kind + ':')).map((s) => s.slice(kind.length + 1))
  return names.length ? names : null
}

/** url.URL's JSON form. */
function urlJson(s: string): Record<string, unknown> {
  let u: URL | undefined
  try { u = new URL(s) } catch { u = undefined }
  return {
    Scheme: u?.protocol.replace(/:$/, '') ?? '', Opaque: '', User: null, Host: u?.host ?? '', Path: u ? decodeURIComponent(u.pathname) : s,
    RawPath: '', OmitHost: false, ForceQuery: false, RawQuery: u?.search.replace(/^\?/, '') ?? '', Fragment: u?.hash.replace(/^#/, '') ?? '', RawFragment: '',
  }
}

/** net.IP marshals as the base64 of its bytes (4 for IPv4 SANs, 16 for IPv6). */
function ipJson(s: string): string {
  const ip = parseIP(s)
  if (!ip) return s
  const n = ip.v6 ? 16 : 4
  const out = Buffer.alloc(n)
  for (let i = 0; i < n; i++) out[i] = Number((ip.addr >> BigInt(8 * (n - 1 - i))) & 0xffn)
  return out.toString('base64')
}

export function certJson(c: X509Certificate): Record<string, unknown> {
  const der = c.raw
  const [tbs, sigAlg, sig] = children(der, readTlv(der, 0))
  const parts = children(der, tbs)
  const off = parts[0].tag === 0xa0 ? 1 : 0
  const slice = (t: Tlv) => der.subarray(t.at, t.end).toString('base64')
  const uris = altNames(c, 'URI')
  const ips = altNames(c, 'IP Address')
  const ekus = (c.keyUsage ?? []).map((o) => EXT_KEY_USAGE[o]).filter((x) => x !== undefined)
  return {
    Raw: der.toString('base64'), RawTBSCertificate: slice(tbs), RawSubjectPublicKeyInfo: slice(parts[off + 5]),
    RawSubject: slice(parts[off + 4]), RawIssuer: slice(parts[off + 2]),
    Signature: Buffer.from(der.subarray(sig.start + 1, sig.end)).toString('base64'),
    SignatureAlgorithm: SIGNATURE_ALGORITHM[oid(der, children(der, sigAlg)[0])] ?? 0,
    PublicKeyAlgorithm: PUBLIC_KEY_ALGORITHM[c.publicKey.asymmetricKeyType ?? ''] ?? 0, PublicKey: null,
    Version: off ? der[parts[0].start + 2] + 1 : 1, SerialNumber: BigInt('0x' + c.serialNumber),
    Issuer: readName(der, parts[off + 2]), Subject: readName(der, parts[off + 4]),
    NotBefore: new Date(c.validFrom).toISOString().replace('.000Z', 'Z'), NotAfter: new Date(c.validTo).toISOString().replace('.000Z', 'Z'),
    ExtKeyUsage: ekus.length ? ekus : null, BasicConstraintsValid: c.ca, IsCA: c.ca,
    DNSNames: altNames(c, 'DNS'), EmailAddresses: altNames(c, 'email'), IPAddresses: ips ? ips.map(ipJson) : null,
    URIs: uris ? uris.map(urlJson) : null, URIStrings: uris,
  }
}
