/**
 * net.cidr_* built-ins over IPv4 and IPv6. net.lookup_ip_addr resolves IP literals and names
 * listed in /etc/hosts only: built-ins are synchronous and the service does no DNS at policy time,
 * so other names are undefined.
 */
import { readFileSync } from 'node:fs'
import { arr, bool, set, str as strV, type Value } from '../value.ts'
import { builtinError, def, oneOf, operandError, str } from './args.ts'
import type { BuiltinDef } from './contract.ts'
import { formatIP, formatNet, lastAddr, type Net, parseCIDR, parseIP, width } from './ip.ts'

/** net.cidr_expand refuses to list more addresses than this; larger blocks fail with eval_builtin_error. */
export const MAX_EXPAND = 1n << 20n

function cidr(name: string, s: string): Net {
  const n = parseCIDR(s)
  if (!n) throw builtinError(name, `invalid CIDR address: ${s}`)
  return n
}

/** A CIDR, or a bare IP as a single-address block. */
function cidrOrIP(name: string, s: string): Net {
  if (s.includes('/')) return cidr(name, s)
  const ip = parseIP(s)
  if (!ip) throw builtinError(name, `invalid IP address: ${s}`)
  return { ...ip, bits: width(ip.v6) }
}

const contains = (a: Net, b: Net): boolean => a.v6 === b.v6 && b.bits >= a.bits && b.addr >= a.addr && lastAddr(b) <= lastAddr(a)
const intersects = (a: Net, b: Net): boolean => a.v6 === b.v6 && a.addr <= lastAddr(b) && b.addr <= lastAddr(a)

/** Go's IP.DefaultMask: bare IPv4 addresses in cidr_merge are read as classful networks. */
function classful(s: string): Net {
  const ip = parseIP(s)
  if (!ip) throw builtinError('net.cidr_merge', `invalid IP address: ${s}`)
  if (ip.v6) throw builtinError('net.cidr_merge', 'IPv6 invalid: needs prefix length')
  const first = Number(ip.addr >> 24n)
  const bits = first < 128 ? 8 : first < 192 ? 16 : 24
  return cidr('net.cidr_merge', `${s}/${bits}`)
}

function merge(nets: Net[]): Net[] {
  const out: Net[] = []
  for (const v6 of [false, true]) {
    let list = nets.filter((n) => n.v6 === v6).sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : a.bits - b.bits))
    // Drop blocks inside an earlier one, then repeatedly join aligned siblings.
    let changed = true
    while (changed) {
      changed = false
      const kept: Net[] = []
      for (const n of list) {
        const prev = kept[kept.length - 1]
        if (prev && contains(prev, n)) { changed = true; continue }
        if (prev && prev.bits === n.bits && prev.bits > 0) {
          const parentBits = prev.bits - 1
          const size = 1n << BigInt(width(v6) - prev.bits)
          if (prev.addr + size === n.addr && (prev.addr & (size * 2n - 1n)) === 0n) {
            kept[kept.length - 1] = { v6, addr: prev.addr, bits: parentBits }
            changed = true
            continue
          }
        }
        kept.push(n)
      }
      list = kept
    }
    out.push(...list)
  }
  return out
}

/** Elements of a cidr_contains_matches operand as [key, cidr string] pairs. */
function entries(v: Value, pos: number): Array<[Value, string]> {
  const name = 'net.cidr_contains_matches'
  const elem = (x: Value): string => {
    if (x.type === 'string') return x.value
    if (x.type === 'array' && x.items.length > 0 && x.items[0].type === 'string') return x.items[0].value
    throw builtinError(name, `operand ${pos}: element must be string or non-empty array`)
  }
  switch (v.type) {
    case 'string': return [[v, v.value]]
    case 'array': return v.items.map((x, i) => [{ type: 'number', int: BigInt(i) }, elem(x)])
    case 'set': return [...v.items.values()].map((x) => [x, elem(x)])
    case 'object': return [...v.entries.values()].map(([k, x]) => [k, elem(x)])
    default: throw operandError(name, pos, oneOf(['string', 'array', 'set', 'object']), v)
  }
}

function lookup(name: string): Value | undefined {
  const ip = parseIP(name)
  if (ip) return set([strV(name)])
  let hosts = ''
  try {
    hosts = readFileSync('/etc/hosts', 'utf8')
  } catch {
    return undefined
  }
  const found: Value[] = []
  for (const line of hosts.split('\n')) {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/)
    if (addr && names.includes(name) && parseIP(addr)) found.push(strV(addr))
  }
  return found.length > 0 ? set(found) : undefined
}

export const NET_BUILTINS: BuiltinDef[] = [
  def('net.cidr_contains', 2, ([a, b]) => bool(contains(cidr('net.cidr_contains', str('net.cidr_contains', a, 1)), cidrOrIP('net.cidr_contains', str('net.cidr_contains', b, 2))))),
  def('net.cidr_overlap', 2, ([a, b]) => bool(contains(cidr('net.cidr_overlap', str('net.cidr_overlap', a, 1)), cidrOrIP('net.cidr_overlap', str('net.cidr_overlap', b, 2))))),
  def('net.cidr_intersects', 2, ([a, b]) => bool(intersects(cidr('net.cidr_intersects', str('net.cidr_intersects', a, 1)), cidr('net.cidr_intersects', str('net.cidr_intersects', b, 2))))),
  def('net.cidr_is_valid', 1, ([a]) => bool(a.type === 'string' && parseCIDR(a.value) !== undefined)),
  def('net.cidr_expand', 1, ([a]) => {
    const n = cidr('net.cidr_expand', str('net.cidr_expand', a, 1))
    const count = 1n << BigInt(width(n.v6) - n.bits)
    if (count > MAX_EXPAND) throw builtinError('net.cidr_expand', `CIDR ${formatNet(n)} has more than ${MAX_EXPAND} addresses`)
    const out: Value[] = []
    for (let i = 0n; i < count; i++) out.push(strV(formatIP(n.v6, n.addr + i)))
    return set(out)
  }),
  def('net.cidr_merge', 1, ([a]) => {
    if (a.type !== 'array' && a.type !== 'set') throw operandError('net.cidr_merge', 1, oneOf(['array', 'set']), a)
    const nets = [...(a.type === 'set' ? a.items.values() : a.items)].map((x) => {
      if (x.type !== 'string') throw operandError('net.cidr_merge', 1, 'string elements', x)
      return x.value.includes('/') ? cidr('net.cidr_merge', x.value) : classful(x.value)
    })
    return set(merge(nets).map((n) => strV(formatNet(n))))
  }),
  def('net.cidr_contains_matches', 2, ([a, b]) => {
    const name = 'net.cidr_contains_matches'
    const cidrs = entries(a, 1).map(([k, s]) => [k, cidr(name, s)] as const)
    const others = entries(b, 2).map(([k, s]) => [k, cidrOrIP(name, s)] as const)
    const out: Value[] = []
    for (const [k1, n1] of cidrs) for (const [k2, n2] of others) if (contains(n1, n2)) out.push(arr([k1, k2]))
    return set(out)
  }),
  def('net.lookup_ip_addr', 1, ([a]) => lookup(str('net.lookup_ip_addr', a, 1))),
]
