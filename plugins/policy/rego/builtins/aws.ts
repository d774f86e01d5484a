/** providers.aws.sign_req: AWS Signature Version 4 over a Rego request object, synchronously. */
import { createHash, createHmac } from 'node:crypto'
import { obj, objGet, str as strV, type ObjV, type Value } from '../value.ts'
import { def, objArg, typeError } from './args.ts'
import type { BuiltinDef } from './contract.ts'
import { goJson, utf8 } from './go-text.ts'
import { toCivil } from './civil.ts'

const NAME = 'providers.aws.sign_req'
const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex')
const hmac = (k: Buffer | string, s: string): Buffer => createHmac('sha256', k).update(s).digest()

function fieldsOf(o: ObjV, pos: number, what: string, names: string[]): Record<string, string> {
  const missing = names.filter((n) => objGet(o, strV(n)) === undefined)
  const list = (ns: string[]) => `{${ns.map((n) => JSON.stringify(n)).join(', ')}}`
  if (missing.length) throw typeError(NAME, `operand ${pos} missing required ${what} parameters(s): ${list(missing)}`)
  const invalid = names.filter((n) => objGet(o, strV(n))?.type !== 'string')
  if (invalid.length) throw typeError(NAME, `operand ${pos} invalid values for required ${what} parameters(s): ${list(invalid)}`)
  return Object.fromEntries(names.map((n) => [n, (objGet(o, strV(n)) as { value: string }).value]))
}

function canonicalQuery(u: URL): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
  return [...u.searchParams].map(([k, v]) => `${enc(k)}=${enc(v)}`).sort().join('&')
}

function signRequest(reqV: Value, cfgV: Value, timeV: Value): Value {
  const req = objArg(NAME, reqV, 1)
  const cfg = objArg(NAME, cfgV, 2)
  const { method, url } = fieldsOf(req, 1, 'request', ['method', 'url'])
  const c = fieldsOf(cfg, 2, 'AWS config', ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'])
  const dps = objGet(cfg, strV('disable_payload_signing'))
  if (dps !== undefined && dps.type !== 'boolean') throw typeError(NAME, "operand 2 invalid value for 'disable_payload_signing' in AWS config")
  const token = objGet(cfg, strV('aws_session_token'))
  if (timeV.type !== 'number' || (timeV.int ?? -1n) < 0n) throw typeError(NAME, 'operand 3 could not convert time_ns value into a unix timestamp')
  const t = toCivil(timeV.int as bigint, 'UTC')
  const p2 = (n: number) => String(n).padStart(2, '0')
  const date = `${t.year}${p2(t.month)}${p2(t.day)}`
  const amzDate = `${date}T${p2(t.hour)}${p2(t.minute)}${p2(t.second)}Z`

  const rawBody = objGet(req, strV('raw_body'))
  const body = objGet(req, strV('body'))
  const payload = rawBody?.type === 'string' ? rawBody.value : body !== undefined ? goJson(body) : ''
  const contentHash = dps?.type === 'boolean' && dps.value ? 'UNSIGNED-PAYLOAD' : sha256(utf8(payload))

  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw typeError(NAME, `operand 1 invalid URL: ${url}`)
  }
  const headers = new Map<string, string>()
  const given = objGet(req, strV('headers'))
  if (given?.type === 'object') for (const [k, v] of given.entries.values()) if (k.type === 'string' && v.type === 'string') headers.set(k.value, v.value)
  headers.set('host', u.host)
  // A caller-supplied x-amz-content-sha256 is what gets signed, though the returned header is recomputed.
  const signedHash = headers.get('x-amz-content-sha256') ?? contentHash
  headers.set('x-amz-content-sha256', signedHash)
  headers.set('x-amz-date', amzDate)
  if (token?.type === 'string') headers.set('x-amz-security-token', token.value)

  const canon = [...headers].map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))
  const signed = canon.map(([k]) => k).join(';')
  // OPA signs the method as given and the URL's escaped path verbatim ("" when the URL has none).
  const rawPath = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '')
  const canonicalRequest = [method, rawPath, canonicalQuery(u), canon.map(([k, v]) => `${k}:${v}\n`).join(''), signed, contentHash].join('\n')
  const scope = `${date}/${c.aws_region}/${c.aws_service}/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${c.aws_secret_access_key}`, date), c.aws_region), c.aws_service), 'aws4_request')
  const signature = createHmac('sha256', key).update(toSign).digest('hex')
  headers.set('x-amz-content-sha256', contentHash)
  headers.set('Authorization', `AWS4-HMAC-SHA256 Credential=${c.aws_access_key}/${scope},SignedHeaders=${signed},Signature=${signature}`)

  const out = new Map(req.entries)
  const h = obj([...headers].map(([k, v]) => [strV(k), strV(v)] as const))
  const result = obj([...[...out.values()].filter(([k]) => !(k.type === 'string' && k.value === 'headers')), [strV('headers'), h]])
  return result
}

export const AWS_BUILTINS: BuiltinDef[] = [def(NAME, 3, ([r, c, t]) => signRequest(r, c, t))]
