/** time.* built-ins over int64 nanosecond timestamps, with Go layouts and IANA zones (via Intl). */
import { arr, num, str as strV, toNumber, type Value } from '../value.ts'
import { builtinError, def, intArg, operandError, str } from './args.ts'
import { daysFromCivil, fromCivil, resolveZone, toCivil, UnknownZoneError } from './civil.ts'
import type { BuiltinDef } from './contract.ts'
import { DAYS, formatTime, LayoutParseError, NAMED_LAYOUTS, parseTime } from './go-layout.ts'

const MIN_NS = -(2n ** 63n)
const MAX_NS = 2n ** 63n - 1n

function inRange(name: string, ns: bigint): Value {
  if (ns < MIN_NS || ns > MAX_NS) throw builtinError(name, 'time outside of valid range')
  return num(ns)
}

/** Operand `ns` or `[ns, tz]` or `[ns, tz, layout]`. */
function timeArg(name: string, v: Value): { ns: bigint; tz: string; layout?: string } {
  const nsOf = (x: Value): bigint => {
    if (x.type !== 'number') throw operandError(name, 1, 'number', x)
    const f = x.int ?? toNumber(x)
    const n = typeof f === 'bigint' ? f : BigInt(Math.trunc(f))
    if (n < MIN_NS || n > MAX_NS) throw builtinError(name, 'timestamp too big')
    return n
  }
  if (v.type === 'array') {
    if (v.items.length < 1 || v.items.length > 3) throw builtinError(name, 'array should have 2 or 3 elements')
    const [n, tz, layout] = v.items
    const zone = tz === undefined ? '' : str(name, tz, 1)
    return { ns: nsOf(n), tz: zone, layout: layout === undefined ? undefined : str(name, layout, 1) }
  }
  return { ns: nsOf(v), tz: 'UTC' }
}

function zoned<T>(name: string, f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e instanceof UnknownZoneError) throw builtinError(name, e.message)
    if (e instanceof LayoutParseError) throw builtinError(name, e.message)
    throw e
  }
}

const civilOf = (name: string, v: Value) => {
  const { ns, tz, layout } = timeArg(name, v)
  return { c: zoned(name, () => toCivil(ns, resolveZone(tz))), tz, layout, ns }
}

/** Zone abbreviation for "MST": Go prints "UTC" for UTC and the numeric offset when a zone has no name. */
function abbrev(tz: string, offset: number, ns: bigint): string {
  if (resolveZone(tz) === 'UTC') return 'UTC'
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: resolveZone(tz), timeZoneName: 'short' }).formatToParts(new Date(Number(ns / 1_000_000n)))
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? ''
    if (/^[A-Z]{3,5}$/.test(name)) return name
  } catch {
    // fall through to the numeric form
  }
  const a = Math.abs(offset)
  return (offset < 0 ? '-' : '+') + String(Math.floor(a / 3600)).padStart(2, '0') + (a % 3600 ? String(Math.floor((a % 3600) / 60)).padStart(2, '0') : '')
}

/** Go's time.ParseDuration. */
function parseDuration(s: string): bigint {
  const units: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }
  const bad = (): never => { throw builtinError('time.parse_duration_ns', `time: invalid duration ${JSON.stringify(s)}`) }
  let rest = s
  let neg = false
  if (rest[0] === '-' || rest[0] === '+') { neg = rest[0] === '-'; rest = rest.slice(1) }
  if (rest === '0') return 0n
  if (rest === '') bad()
  let total = 0
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest)
    if (!m || (m[1] === '' && (m[2] ?? '') === '')) bad()
    const [all, whole, frac = '', unit] = m as RegExpExecArray
    total += Number(whole || '0') * units[unit] + (frac ? Number('0.' + frac) * units[unit] : 0)
    rest = rest.slice(all.length)
  }
  const r = BigInt(Math.round(total))
  return neg ? -r : r
}

function addDate(args: Value[]): Value {
  const ns = intArg('time.add_date', args[0], 1)
  const [y, m, d] = args.slice(1).map((v, i) => Number(intArg('time.add_date', v, i + 2)))
  const c = toCivil(ns, 'UTC')
  return inRange('time.add_date', fromCivil(c.year + y, c.month + m, c.day + d, c.hour, c.minute, c.second, c.nano, 0))
}

/** Calendar difference [y, m, d, h, min, s] between two instants, both read in the first one's zone. */
function diff(a: Value, b: Value): Value {
  const t1 = timeArg('time.diff', a)
  const t2 = timeArg('time.diff', b)
  const zone = zoned('time.diff', () => resolveZone(t1.tz))
  let [x, y] = [t1.ns, t2.ns]
  if (x > y) [x, y] = [y, x]
  const c1 = toCivil(x, zone)
  const c2 = toCivil(y, zone)
  let year = c2.year - c1.year
  let month = c2.month - c1.month
  let day = c2.day - c1.day
  let hour = c2.hour - c1.hour
  let min = c2.minute - c1.minute
  let sec = c2.second - c1.second
  if (sec < 0) { sec += 60; min-- }
  if (min < 0) { min += 60; hour-- }
  if (hour < 0) { hour += 24; day-- }
  if (day < 0) {
    // Days in c1's month: day 32 normalises into the next month by (32 - length).
    const overflow = daysFromCivil(c1.year, c1.month, 32) - daysFromCivil(c1.year, c1.month + 1, 1) + 1
    day += 32 - overflow
    month--
  }
  if (month < 0) { month += 12; year-- }
  return arr([year, month, day, hour, min, sec].map(num))
}

export const TIME_BUILTINS: BuiltinDef[] = [
  def('time.now_ns', 0, (_args, ctx) => num(ctx.nowNs)),
  def('time.parse_ns', 2, ([l, v]) => {
    const layout = str('time.parse_ns', l, 1)
    return inRange('time.parse_ns', zoned('time.parse_ns', () => parseTime(NAMED_LAYOUTS[layout] ?? layout, str('time.parse_ns', v, 2))))
  }),
  def('time.parse_rfc3339_ns', 1, ([v]) => inRange('time.parse_rfc3339_ns', zoned('time.parse_rfc3339_ns', () => parseTime(NAMED_LAYOUTS.RFC3339, str('time.parse_rfc3339_ns', v, 1))))),
  def('time.parse_duration_ns', 1, ([v]) => num(parseDuration(str('time.parse_duration_ns', v, 1)))),
  def('time.date', 1, ([v]) => { const { c } = civilOf('time.date', v); return arr([num(c.year), num(c.month), num(c.day)]) }),
  def('time.clock', 1, ([v]) => { const { c } = civilOf('time.clock', v); return arr([num(c.hour), num(c.minute), num(c.second)]) }),
  def('time.weekday', 1, ([v]) => strV(DAYS[civilOf('time.weekday', v).c.weekday])),
  def('time.add_date', 4, addDate),
  def('time.diff', 2, ([a, b]) => diff(a, b)),
  def('time.format', 1, ([v]) => {
    const { c, tz, layout, ns } = civilOf('time.format', v)
    const l = layout === undefined ? NAMED_LAYOUTS.RFC3339Nano : NAMED_LAYOUTS[layout] ?? layout
    return strV(formatTime(c, l, abbrev(tz, c.offset, ns)))
  }),
]
