/** uuid.*, trace, opa.runtime and the hash/HMAC built-ins. */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { bool, num, obj, str as strV, type Value } from '../value.ts'
import { def, str } from './args.ts'
import type { BuiltinContext, BuiltinDef } from './contract.ts'
import { utf8 } from './go-text.ts'

/** Nanoseconds between the Gregorian epoch (1582-10-15) and the Unix epoch, in 100ns units. */
const GREGORIAN_OFFSET = 122192928000000000n

function parseUuid(s: string): Buffer | undefined {
  let hex: string
  if (s.length === 36) hex = s
  else if (s.length === 38 && s[0] === '{' && s[37] === '}') hex = s.slice(1, 37)
  else if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') hex = s.slice(9)
  else if (s.length === 32 && /^[0-9a-fA-F]{32}$/.test(s)) return Buffer.from(s, 'hex')
  else return undefined
  if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(hex)) return undefined
  return Buffer.from(hex.replace(/-/g, ''), 'hex')
}

function variant(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122'
  if ((b & 0xe0) === 0xc0) return 'Microsoft'
  if ((b & 0xe0) === 0xe0) return 'Future'
  return 'Reserved'
}

function uuidParse(s: string): Value | undefined {
  const u = parseUuid(s)
  if (!u) return undefined
  const version = u[6] >> 4
  const props: Array<[string, Value]> = [['version', num(version)], ['variant', strV(variant(u[8]))]]
  if (version === 1 || version === 2) {
    const t100 = BigInt(u.readUInt32BE(0)) | (BigInt(u.readUInt16BE(4)) << 32n) | (BigInt(u.readUInt16BE(6) & 0xfff) << 48n)
    props.push(['time', num((t100 - GREGORIAN_OFFSET) * 100n)])
    props.push(['clocksequence', num(u.readUInt16BE(8) & 0x3fff)])
    props.push(['nodeid', strV([...u.subarray(10)].map((b) => b.toString(16).padStart(2, '0')).join('-'))])
    props.push(['macvariables', strV(`${u[10] & 0x02 ? 'local' : 'global'}:${u[10] & 0x01 ? 'multicast' : 'unicast'}`)])
  }
  if (version === 2) {
    props.push(['id', num(u.readUInt32BE(0))])
    props.push(['domain', strV(['Person', 'Group', 'Org'][u[9]] ?? `Domain${u[9]}`)])
  }
  return obj(props.map(([k, v]) => [strV(k), v] as const))
}

/** Memoised per query so repeated calls with one key agree, as OPA guarantees. */
function perQuery(ctx: BuiltinContext, key: string, make: () => Value): Value {
  let v = ctx.cache.get(key) as Value | undefined
  if (!v) ctx.cache.set(key, (v = make()))
  return v
}

const hash = (name: string, alg: string) => def(name, 1, ([s]) => strV(createHash(alg).update(utf8(str(name, s, 1))).digest('hex')))
const hmac = (name: string, alg: string) =>
  def(name, 2, ([x, k]) => strV(createHmac(alg, utf8(str(name, k, 2))).update(utf8(str(name, x, 1))).digest('hex')))

export const MISC_BUILTINS: BuiltinDef[] = [
  def('uuid.rfc4122', 1, ([k], ctx) => perQuery(ctx, `uuid.rfc4122:${str('uuid.rfc4122', k, 1)}`, () => strV(randomUUID()))),
  def('uuid.parse', 1, ([s]) => uuidParse(str('uuid.parse', s, 1))),
  def('trace', 1, ([s], ctx) => {
    const notes = (ctx.cache.get('trace') as string[] | undefined) ?? []
    notes.push(str('trace', s, 1))
    ctx.cache.set('trace', notes)
    return bool(true)
  }),
  // The environment is deliberately omitted: policies must not read the host's secrets.
  def('opa.runtime', 0, () => obj([[strV('version'), strV('dyad')], [strV('commit'), strV('')], [strV('config'), obj([])]])),
  hash('crypto.md5', 'md5'),
  hash('crypto.sha1', 'sha1'),
  hash('crypto.sha256', 'sha256'),
  hmac('crypto.hmac.md5', 'md5'),
  hmac('crypto.hmac.sha1', 'sha1'),
  hmac('crypto.hmac.sha256', 'sha256'),
  hmac('crypto.hmac.sha512', 'sha512'),
  def('crypto.hmac.equal', 2, ([a, b]) => {
    const x = utf8(str('crypto.hmac.equal', a, 1))
    const y = utf8(str('crypto.hmac.equal', b, 2))
    return bool(x.length === y.length && timingSafeEqual(x, y))
  }),
]
