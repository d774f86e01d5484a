/**
 * crypto.x509.* and private-key parsing. Certificates come as PEM text or base64 of PEM or DER
 * (chains concatenated); results follow the field names of Go's x509.Certificate JSON.
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto'
import { arr, bool, fromJs, type Value } from '../value.ts'
import { builtinError, def, str, typeError } from './args.ts'
import { Base64Error, goBase64Decode } from './base64.ts'
import type { BuiltinContext, BuiltinDef } from './contract.ts'
import { Asn1Error, children, readName, readTlv, splitDer } from './der.ts'
import { certJson } from './x509-json.ts'

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g

interface Block { type: string; der: Buffer }

function pemBlocks(text: string): Block[] {
  return [...text.matchAll(PEM)].map((m) => ({ type: m[1], der: Buffer.from(m[2].replace(/\s+/g, ''), 'base64') }))
}

/** PEM text, or base64 of PEM or of DER, as DER blocks. */
function blocks(name: string, input: string): Block[] {
  if (input.trimStart().startsWith('-----BEGIN')) return pemBlocks(input)
  let raw: Buffer
  try {
    raw = goBase64Decode(input.replace(/\s+/g, ''), { url: false, padded: true })
  } catch (e) {
    if (e instanceof Base64Error) throw builtinError(name, e.message)
    throw e
  }
  const text = raw.toString('utf8')
  if (text.trimStart().startsWith('-----BEGIN')) return pemBlocks(text)
  try {
    return splitDer(raw).map((der) => ({ type: 'DER', der }))
  } catch {
    return [{ type: 'DER', der: raw }]
  }
}

function certificates(name: string, input: string): X509Certificate[] {
  const bs = blocks(name, input).filter((b) => b.type === 'CERTIFICATE' || b.type === 'DER')
  if (bs.length === 0) throw builtinError(name, 'x509: malformed certificate')
  return bs.map((b) => {
    try {
      return new X509Certificate(b.der)
    } catch {
      throw builtinError(name, 'x509: malformed certificate')
    }
  })
}

function csrJson(name: string, input: string): Value {
  const b = blocks(name, input)[0]
  if (!b) throw builtinError(name, 'asn1: structure error: no certificate request found')
  try {
    const der = b.der
    const top = readTlv(der, 0)
    if (top.tag !== 0x30) throw new Asn1Error('tags don\'t match')
    const info = children(der, top)[0]
    const [version, subject] = children(der, info)
    return fromJs({ Raw: der.toString('base64'), Version: der[version.start], Subject: readName(der, subject), Attributes: null, Extensions: null })
  } catch (e) {
    if (e instanceof Asn1Error) throw builtinError(name, e.message)
    throw builtinError(name, `asn1: structure error: ${(e as Error).message}`)
  }
}

/** Extended key usages by the names Go's x509.ExtKeyUsage constants carry. */
const EKU: Record<string, string> = {
  KeyUsageServerAuth: '1.3.6.1.5.5.7.3.1', KeyUsageClientAuth: '1.3.6.1.5.5.7.3.2', KeyUsageCodeSigning: '1.3.6.1.5.5.7.3.3',
  KeyUsageEmailProtection: '1.3.6.1.5.5.7.3.4', KeyUsageIPSECEndSystem: '1.3.6.1.5.5.7.3.5', KeyUsageIPSECTunnel: '1.3.6.1.5.5.7.3.6',
  KeyUsageIPSECUser: '1.3.6.1.5.5.7.3.7', KeyUsageTimeStamping: '1.3.6.1.5.5.7.3.8', KeyUsageOCSPSigning: '1.3.6.1.5.5.7.3.9',
}
const ANY_EKU = '2.5.29.37.0'

interface VerifyOptions { nowMs: number; dnsName?: string; usages: string[] }

/**
 * Given leaf first: each certificate must be signed by the next and valid at `nowMs`; the last is
 * the trusted root. Certificates that list extended key usages must allow one of `usages`
 * (server auth by default, as in Go).
 */
function verifyChain(certs: X509Certificate[], o: VerifyOptions): boolean {
  if (certs.length < 2) return false
  if (o.dnsName !== undefined && certs[0].checkHost(o.dnsName) === undefined) return false
  for (let i = 0; i < certs.length; i++) {
    const c = certs[i]
    const issuer = certs[i + 1] ?? c
    if (o.nowMs < Date.parse(c.validFrom) || o.nowMs > Date.parse(c.validTo)) return false
    if (!c.checkIssued(issuer) || !c.verify(issuer.publicKey)) return false
    if (i > 0 && !c.ca) return false
    const ekus = c.keyUsage ?? []
    if (!o.usages.includes(ANY_EKU) && ekus.length > 0 && !ekus.includes(ANY_EKU) && !o.usages.some((u) => ekus.includes(u))) return false
  }
  return true
}

function verifyOptions(name: string, v: Value | undefined, nowNs: bigint): VerifyOptions {
  const o: VerifyOptions = { nowMs: Number(nowNs / 1_000_000n), usages: [EKU.KeyUsageServerAuth] }
  if (v === undefined) return o
  if (v.type !== 'object') throw typeError(name, `operand 2 must be object but got ${v.type}`)
  for (const [k, x] of v.entries.values()) {
    const key = k.type === 'string' ? k.value : ''
    if (key === 'DNSName' && x.type === 'string') o.dnsName = x.value
    else if (key === 'CurrentTime' && x.type === 'number') o.nowMs = Number((x.int ?? BigInt(Math.trunc(x.float ?? 0))) / 1_000_000n)
    else if (key === 'MaxConstraintComparisons' && x.type === 'number') continue
    else if (key === 'KeyUsages' && x.type === 'array') {
      o.usages = x.items.map((u) => {
        if (u.type === 'string' && u.value === 'KeyUsageAny') return ANY_EKU
        if (u.type === 'string' && EKU[u.value]) return EKU[u.value]
        throw builtinError(name, `invalid entry for KeyUsages: ${u.type === 'string' ? u.value : u.type}`)
      })
    } else throw builtinError(name, `invalid parameter ${JSON.stringify(key)} in verification options`)
  }
  return o
}

function parseAndVerify(name: string, certsV: Value, optsV: Value | undefined, nowNs: bigint): Value {
  const options = verifyOptions(name, optsV, nowNs)
  let certs: X509Certificate[]
  try {
    certs = certificates(name, str(name, certsV, 1))
  } catch {
    return arr([bool(false), arr([])])
  }
  // Input is root first and leaf last (as OPA takes it); the verified chain is reported leaf first.
  const chain = [...certs].reverse()
  if (!verifyChain(chain, options)) return arr([bool(false), arr([])])
  return arr([bool(true), fromJs(chain.map(certJson))])
}

function privateKey(name: string, input: string): KeyObject {
  const text = input.trimStart().startsWith('-----BEGIN') ? input : Buffer.from(input, 'base64').toString('utf8')
  try {
    return createPrivateKey(text)
  } catch (e) {
    throw builtinError(name, `failed to parse private key: ${(e as Error).message}`)
  }
}

function keypair(certIn: string, keyIn: string): Value {
  const name = 'crypto.x509.parse_keypair'
  const certs = certificates(name, certIn)
  const key = privateKey(name, keyIn)
  const pub = createPublicKey(key).export({ format: 'der', type: 'spki' })
  if (!pub.equals(certs[0].publicKey.export({ format: 'der', type: 'spki' }))) throw builtinError(name, 'tls: private key does not match public key')
  return fromJs({ Certificate: certs.map((c) => c.raw.toString('base64')), PrivateKey: key.export({ format: 'jwk' }), Leaf: null })
}

export const X509_BUILTINS: BuiltinDef[] = [
  def('crypto.x509.parse_certificates', 1, ([s]) =>
    fromJs(certificates('crypto.x509.parse_certificates', str('crypto.x509.parse_certificates', s, 1)).map(certJson))),
  def('crypto.x509.parse_and_verify_certificates', 1, ([s], ctx: BuiltinContext) => parseAndVerify('crypto.x509.parse_and_verify_certificates', s, undefined, ctx.nowNs)),
  def('crypto.x509.parse_and_verify_certificates_with_options', 2, ([s, o], ctx: BuiltinContext) =>
    parseAndVerify('crypto.x509.parse_and_verify_certificates_with_options', s, o, ctx.nowNs)),
  def('crypto.x509.parse_certificate_request', 1, ([s]) => csrJson('crypto.x509.parse_certificate_request', str('crypto.x509.parse_certificate_request', s, 1))),
  def('crypto.x509.parse_keypair', 2, ([c, k]) => keypair(str('crypto.x509.parse_keypair', c, 1), str('crypto.x509.parse_keypair', k, 2))),
  def('crypto.x509.parse_rsa_private_key', 1, ([s]) =>
    fromJs(privateKey('crypto.x509.parse_rsa_private_key', str('crypto.x509.parse_rsa_private_key', s, 1)).export({ format: 'jwk' }))),
  def('crypto.parse_private_keys', 1, ([s]) => {
    const name = 'crypto.parse_private_keys'
    const text = str(name, s, 1)
    if (text === '') return arr([])
    const pem = text.trimStart().startsWith('-----BEGIN') ? text : Buffer.from(text, 'base64').toString('utf8')
    return arr([...pem.matchAll(PEM)].filter((m) => m[1].includes('PRIVATE KEY')).map((m) => fromJs(createPrivateKey(m[0]).export({ format: 'jwk' }))))
  }),
]
