/** IPv4/IPv6 addresses and CIDR blocks as bigints, parsed and printed the way Go's net package does. */

export interface Net { v6: boolean; addr: bigint; bits: number }

export const width = (v6: boolean): number => (v6 ? 128 : 32)

export function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  let n = 0n
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined
    n = (n << 8n) | BigInt(p)
  }
  return n
}

export function parseIPv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined
  let text = s
  let tail: bigint[] = []
  const lastColon = text.lastIndexOf(':')
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    tail = [v4 >> 16n, v4 & 0xffffn]
    text = text.slice(0, lastColon + 1) + (text[lastColon - 1] === ':' ? '' : '0')
    if (text.endsWith(':0')) text = text.slice(0, -2)
    else if (!text.endsWith('::')) text = text.slice(0, -1)
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const group = (h: string): bigint[] | undefined => {
    if (h === '') return []
    const gs = h.split(':')
    if (gs.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined
    return gs.map((g) => BigInt('0x' + g))
  }
  const head = group(halves[0])
  const rest = halves.length === 2 ? group(halves[1]) : []
  if (!head || !rest) return undefined
  const given = head.length + rest.length + tail.length
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined
  const groups = [...head, ...Array(8 - given).fill(0n), ...rest, ...tail]
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n)
}

const V4_MAPPED = 0xffffn << 32n

/** Like Go's net.ParseIP, IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) behave as IPv4. */
export function parseIP(s: string): { v6: boolean; addr: bigint } | undefined {
  const v4 = parseIPv4(s)
  if (v4 !== undefined) return { v6: false, addr: v4 }
  if (!s.includes(':')) return undefined
  const v6 = parseIPv6(s)
  if (v6 === undefined) return undefined
  if (v6 >> 32n === 0xffffn) return { v6: false, addr: v6 ^ V4_MAPPED }
  return { v6: true, addr: v6 }
}

/** Go's net.ParseCIDR: the network (host bits cleared) or undefined. */
export function parseCIDR(s: string): Net | undefined {
  const slash = s.indexOf('/')
  if (slash < 0) return undefined
  const ip = parseIP(s.slice(0, slash))
  const bitsText = s.slice(slash + 1)
  if (!ip || !/^\d{1,3}$/.test(bitsText)) return undefined
  const bits = Number(bitsText)
  if (bits > width(ip.v6)) return undefined
  return { v6: ip.v6, addr: ip.addr & mask(ip.v6, bits), bits }
}

export function mask(v6: boolean, bits: number): bigint {
  const w = width(v6)
  return ((1n << BigInt(w)) - 1n) ^ ((1n << BigInt(w - bits)) - 1n)
}

export function lastAddr(n: Net): bigint {
  return n.addr | ((1n << BigInt(width(n.v6) - n.bits)) - 1n)
}

export function formatIP(v6: boolean, addr: bigint): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((addr >> s) & 0xffn)).join('.')
  const groups = Array.from({ length: 8 }, (_, i) => Number((addr >> BigInt(112 - 16 * i)) & 0xffffn))
  // Go compresses the longest run (of at least two) of zero groups, the first one on ties.
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) { best = i; bestLen = j - i }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(':')
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':')
}

export const formatNet = (n: Net): string => `${formatIP(n.v6, n.addr)}/${n.bits}`
