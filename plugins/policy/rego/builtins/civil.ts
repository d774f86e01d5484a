/** Proleptic Gregorian calendar arithmetic and time-zone offsets (via Intl), independent of JS Date's range. */

/** Days since 1970-01-01 for a civil date (month 1-12; out-of-range months/days normalise like Go). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y += Math.floor((m - 1) / 12)
  m = ((((m - 1) % 12) + 12) % 12) + 1
  const yy = m <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

export function civilFromDays(z: number): { y: number; m: number; d: number } {
  z += 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp + (mp < 10 ? 3 : -9)
  return { y: era * 400 + yoe + (m <= 2 ? 1 : 0), m, d }
}

export const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

export interface Civil {
  year: number; month: number; day: number; hour: number; minute: number; second: number
  nano: number; weekday: number; yday: number; offset: number; zone: string
}

const formatters = new Map<string, Intl.DateTimeFormat>()

export class UnknownZoneError extends Error {}

export function resolveZone(tz: string): string {
  if (tz === '' || tz === 'UTC') return 'UTC'
  if (tz === 'Local') return Intl.DateTimeFormat().resolvedOptions().timeZone
  return tz
}

/** Seconds east of UTC in `tz` at the instant `epochSec`. */
export function zoneOffset(tz: string, epochSec: number): number {
  if (tz === 'UTC') return 0
  let f = formatters.get(tz)
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
      })
    } catch {
      throw new UnknownZoneError(`unknown time zone ${tz}`)
    }
    formatters.set(tz, f)
  }
  const parts: Record<string, string> = {}
  for (const p of f.formatToParts(new Date(epochSec * 1000))) parts[p.type] = p.value
  let y = Number(parts.year)
  if (parts.era === 'BC' || parts.era === 'B') y = 1 - y
  const local = daysFromCivil(y, Number(parts.month), Number(parts.day)) * 86400 + Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second)
  return local - epochSec
}

const NS = 1_000_000_000n

/** Civil fields of the instant `ns` in `tz`. */
export function toCivil(ns: bigint, tz: string): Civil {
  let sec = ns / NS
  let nano = ns % NS
  if (nano < 0n) { nano += NS; sec -= 1n }
  const s = Number(sec)
  const offset = zoneOffset(tz, s)
  const local = s + offset
  const days = Math.floor(local / 86400)
  const rem = local - days * 86400
  const { y, m, d } = civilFromDays(days)
  return {
    year: y, month: m, day: d, hour: Math.floor(rem / 3600), minute: Math.floor((rem % 3600) / 60), second: rem % 60,
    nano: Number(nano), weekday: (((days + 4) % 7) + 7) % 7, yday: days - daysFromCivil(y, 1, 1) + 1, offset, zone: tz,
  }
}

/** Instant of a civil time read in a fixed offset (seconds east of UTC). */
export function fromCivil(y: number, mo: number, d: number, h: number, mi: number, s: number, nano: number, offset: number): bigint {
  const local = BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + s)
  return (local - BigInt(offset)) * NS + BigInt(nano)
}
