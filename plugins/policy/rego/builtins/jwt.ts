/** io.jwt.*: decode, verify_*, decode_verify (with constraints) and encode_sign(_raw). */
import { createSecretKey, type KeyObject } from 'node:crypto'
import { arr, bool, obj, objGet, str as strV, toNumber, type ObjV, type Value } from '../value.ts'
import { builtinError, def, objArg, str } from './args.ts'
import { Base64Error, base64Encode, goBase64Decode } from './base64.ts'
import type { BuiltinContext, BuiltinDef } from './contract.ts'
import { goJson, goString, utf8 } from './go-text.ts'
import { ALGS, type Alg, signJws, verifyJws } from './jwt-algs.ts'
import { jwkKey, verificationKeys } from './jwt-keys.ts'
import { parseJson } from './json-parse.ts'

/** One JWS layer; `nested` is the token carried by a "cty": "JWT" payload. */
interface Token { header: ObjV; payload: ObjV; sig: Buffer; signingInput: Buffer; nested?: Token }

const innermost = (t: Token): Token => (t.nested ? innermost(t.nested) : t)

const b64 = (s: string): Buffer => goBase64Decode(s, { url: true, padded: false })
const enc = (b: Buffer): string => base64Encode(b, { url: true, padded: false })
const field = (o: ObjV, k: string): Value | undefined => objGet(o, strV(k))

function section(name: string, what: string, s: string): Buffer {
  try {
    return b64(s.replace(/=+$/, ''))
  } catch (e) {
    if (e instanceof Base64Error) throw builtinError(name, `JWT ${what} had invalid encoding: ${e.message}`)
    throw e
  }
}

function jsonObject(name: string, what: string, b: Buffer): ObjV {
  let v: Value
  try {
    v = parseJson(goString(b))
  } catch (e) {
    throw builtinError(name, `JWT ${what} had invalid JSON: ${(e as Error).message}`)
  }
  if (v.type !== 'object') throw builtinError(name, `JWT ${what} is not a JSON object`)
  return v
}

/** Splits and decodes a compact JWS; a "cty": "JWT" payload holds a nested token, decoded too. */
function decode(name: string, token: string): Token {
  const parts = token.split('.')
  if (parts.length === 1) throw builtinError(name, 'encoded JWT had no period separators')
  if (parts.length !== 3) throw builtinError(name, `encoded JWT must have 3 sections, found ${parts.length}`)
  const header = jsonObject(name, 'header', section(name, 'header', parts[0]))
  const payloadBytes = section(name, 'payload', parts[1])
  const sig = section(name, 'signature', parts[2])
  const signingInput = utf8(`${parts[0]}.${parts[1]}`)
  const cty = field(header, 'cty')
  if (cty?.type === 'string' && cty.value.toUpperCase() === 'JWT') {
    let inner = goString(payloadBytes)
    try {
      const quoted = parseJson(inner)
      if (quoted.type === 'string') inner = quoted.value
    } catch {
      // the nested token may be given without JSON quoting
    }
    const nested = decode(name, inner)
    return { header, payload: innermost(nested).payload, sig, signingInput, nested }
  }
  return { header, payload: jsonObject(name, 'payload', payloadBytes), sig, signingInput }
}

function verifyWith(name: string, alg: Alg, token: string, keyText: string): Value {
  const keys: Array<KeyObject | Buffer> = alg.startsWith('HS') ? [utf8(keyText)] : verificationKeys(name, keyText)
  const t = decode(name, token)
  return bool(keys.some((k) => verifyJws(alg, k, t.signingInput, t.sig)))
}

const verifier = (alg: Alg) => {
  const name = `io.jwt.verify_${alg.toLowerCase()}`
  return def(name, 2, ([t, k]) => verifyWith(name, alg, str(name, t, 1), str(name, k, 2)))
}

const INVALID: Value = arr([bool(false), obj([]), obj([])])

interface Constraints { keys: Array<KeyObject | Buffer>; secret: boolean; alg?: string; iss?: string; aud?: string; time: number }

function constraints(name: string, v: Value, ctx: BuiltinContext): Constraints {
  const o = objArg(name, v, 2)
  const c: Constraints = { keys: [], secret: false, time: Number(ctx.nowNs) }
  for (const [k, x] of o.entries.values()) {
    const key = k.type === 'string' ? k.value : ''
    if (key === 'cert' && x.type === 'string') c.keys = verificationKeys(name, x.value)
    else if (key === 'secret' && x.type === 'string') { c.keys = [utf8(x.value)]; c.secret = true }
    else if (key === 'alg' && x.type === 'string') c.alg = x.value
    else if (key === 'iss' && x.type === 'string') c.iss = x.value
    else if (key === 'aud' && x.type === 'string') c.aud = x.value
    else if (key === 'time' && x.type === 'number') c.time = toNumber(x)
    else throw builtinError(name, `unknown token validation constraint: ${key}`)
  }
  return c
}

function timeClaim(name: string, payload: ObjV, claim: 'exp' | 'nbf'): number | undefined {
  const v = field(payload, claim)
  if (v === undefined) return undefined
  if (v.type !== 'number') throw builtinError(name, `${claim} value must be a number`)
  return toNumber(v) * 1e9
}

function signatureValid(t: Token, c: Constraints): boolean {
  const alg = field(t.header, 'alg')
  if (alg?.type !== 'string' || !ALGS.has(alg.value)) return false
  if (c.alg !== undefined && c.alg !== alg.value) return false
  if (field(t.header, 'crit') !== undefined) return false
  if (alg.value.startsWith('HS') !== c.secret) return false
  if (!c.keys.some((k) => verifyJws(alg.value as Alg, k, t.signingInput, t.sig))) return false
  return t.nested === undefined || signatureValid(t.nested, c)
}

function decodeVerify(args: Value[], ctx: BuiltinContext): Value {
  const name = 'io.jwt.decode_verify'
  const token = str(name, args[0], 1)
  const c = constraints(name, args[1], ctx)
  const top = decode(name, token)
  if (!signatureValid(top, c)) return INVALID
  const t = innermost(top)
  const exp = timeClaim(name, t.payload, 'exp')
  const nbf = timeClaim(name, t.payload, 'nbf')
  if (exp !== undefined && c.time >= exp) return INVALID
  if (nbf !== undefined && c.time < nbf) return INVALID
  const iss = field(t.payload, 'iss')
  if (c.iss !== undefined && !(iss?.type === 'string' && iss.value === c.iss)) return INVALID
  const aud = field(t.payload, 'aud')
  if (aud !== undefined || c.aud !== undefined) {
    if (c.aud === undefined || aud === undefined) return INVALID
    const auds = aud.type === 'array' ? aud.items : [aud]
    if (!auds.some((a) => a.type === 'string' && a.value === c.aud)) return INVALID
  }
  return arr([bool(true), t.header, t.payload])
}

/** Header text -> algorithm, with the signing library's phrasing OPA passes through. */
function headerAlg(name: string, headerText: string): Alg {
  const trimmed = headerText.trim()
  if (trimmed === '') throw builtinError(name, "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string")
  let header: Value | undefined
  if (trimmed.startsWith('{')) {
    try {
      header = parseJson(trimmed)
    } catch (e) {
      throw builtinError(name, `missing or invalid 'alg' header: cannot parse JSON: ${(e as Error).message}`)
    }
  }
  const alg = header?.type === 'object' ? field(header, 'alg') : undefined
  if (alg === undefined) throw builtinError(name, `missing or invalid 'alg' header: jwsbb: header "alg" not found`)
  if (alg.type !== 'string' || !ALGS.has(alg.value)) throw builtinError(name, `unknown JWS algorithm: ${alg.type === 'string' ? alg.value : goJson(alg)}`)
  return alg.value as Alg
}

function signingKey(name: string, alg: Alg, jwkText: string): KeyObject {
  let jwk: Record<string, string>
  try {
    jwk = JSON.parse(jwkText) as Record<string, string>
  } catch {
    throw builtinError(name, 'failed to parse a JWK key (set)')
  }
  try {
    const key = jwkKey(jwk, true)
    return alg.startsWith('HS') && key.type !== 'secret' ? createSecretKey(utf8(jwkText)) : key
  } catch (e) {
    throw builtinError(name, `failed to parse the signing key: ${(e as Error).message}`)
  }
}

function encodeSignRaw(name: string, headerText: string, payloadText: string, keyText: string): Value {
  const alg = headerAlg(name, headerText)
  const header = parseJson(headerText.trim())
  const typ = header.type === 'object' ? field(header, 'typ') : undefined
  if (typ?.type === 'string' && typ.value === 'JWT') {
    try {
      parseJson(payloadText)
    } catch {
      throw builtinError(name, 'type is JWT but payload is not JSON')
    }
  }
  const input = `${enc(utf8(headerText))}.${enc(utf8(payloadText))}`
  const key = signingKey(name, alg, keyText)
  const sig = signJws(alg, key.type === 'secret' ? key.export() : key, utf8(input))
  return strV(`${input}.${enc(sig)}`)
}

export const JWT_BUILTINS: BuiltinDef[] = [
  def('io.jwt.decode', 1, ([t]) => {
    const d = innermost(decode('io.jwt.decode', str('io.jwt.decode', t, 1)))
    return arr([d.header, d.payload, strV(d.sig.toString('hex'))])
  }),
  ...(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as Alg[]).map(verifier),
  def('io.jwt.verify_eddsa', 2, ([t, k]) => verifyWith('io.jwt.verify_eddsa', 'EdDSA', str('io.jwt.verify_eddsa', t, 1), str('io.jwt.verify_eddsa', k, 2))),
  def('io.jwt.decode_verify', 2, decodeVerify),
  def('io.jwt.encode_sign_raw', 3, ([h, p, k]) => {
    const name = 'io.jwt.encode_sign_raw'
    return encodeSignRaw(name, str(name, h, 1), str(name, p, 2), str(name, k, 3))
  }),
  def('io.jwt.encode_sign', 3, ([h, p, k]) => {
    const name = 'io.jwt.encode_sign'
    return encodeSignRaw(name, goJson(objArg(name, h, 1)), goJson(objArg(name, p, 2)), goJson(objArg(name, k, 3)))
  }),
]
