/** Go reference-time layouts ("2006-01-02T15:04:05Z07:00") for time.format and time.parse_ns. */
import { type Civil, fromCivil, isLeap } from './civil.ts'

export const NAMED_LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
  Kitchen: '3:04PM',
  Stamp: 'Jan _2 15:04:05',
  StampMilli: 'Jan _2 15:04:05.000',
  StampMicro: 'Jan _2 15:04:05.000000',
  StampNano: 'Jan _2 15:04:05.000000000',
  DateTime: '2006-01-02 15:04:05',
  DateOnly: '2006-01-02',
  TimeOnly: '15:04:05',
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

type Tok = { lit: string } | { std: string }

/** Ordered so that longer reference tokens win over their prefixes. */
const STD = [
  'January', 'Jan', 'Monday', 'Mon', 'MST', '2006', '002', '01', '02', '03', '04', '05', '06', '__2', '_2', '15', '1', '2', '3', '4', '5',
  'PM', 'pm', 'Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07', '-070000', '-07:00:00', '-0700', '-07:00', '-07',
]

export function tokenize(layout: string): Tok[] {
  const out: Tok[] = []
  let lit = ''
  for (let i = 0; i < layout.length; ) {
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i))
    if (frac && /[0-9]/.test(layout[i - 1] ?? '')) {
      if (lit) out.push({ lit }), (lit = '')
      out.push({ std: frac[0] })
      i += frac[0].length
      continue
    }
    const std = STD.find((s) => layout.startsWith(s, i) && !(s === 'Jan' && layout.startsWith('January', i)))
    // Go reads "Mon" only when not followed by a lowercase letter ("Month" is literal).
    if (std && !((std === 'Mon' || std === 'Jan') && /[a-z]/.test(layout[i + std.length] ?? ''))) {
      if (lit) out.push({ lit }), (lit = '')
      out.push({ std })
      i += std.length
      continue
    }
    lit += layout[i++]
  }
  if (lit) out.push({ lit })
  return out
}

const pad = (n: number, w: number): string => String(Math.abs(n)).padStart(w, '0')

function zone(off: number, withColon: boolean, withSeconds: boolean, hoursOnly: boolean, z: boolean): string {
  if (z && off === 0) return 'Z'
  const sign = off < 0 ? '-' : '+'
  const a = Math.abs(off)
  const h = pad(Math.floor(a / 3600), 2)
  const m = pad(Math.floor((a % 3600) / 60), 2)
  const s = pad(a % 60, 2)
  if (hoursOnly) return sign + h
  const sep = withColon ? ':' : ''
  return sign + h + sep + m + (withSeconds ? sep + s : '')
}

export function formatTime(c: Civil, layout: string, abbrev: string): string {
  let out = ''
  for (const t of tokenize(layout)) {
    if ('lit' in t) { out += t.lit; continue }
    const s = t.std
    const h12 = c.hour % 12 === 0 ? 12 : c.hour % 12
    switch (s) {
      case 'January': out += MONTHS[c.month - 1]; break
      case 'Jan': out += MONTHS[c.month - 1].slice(0, 3); break
      case 'Monday': out += DAYS[c.weekday]; break
      case 'Mon': out += DAYS[c.weekday].slice(0, 3); break
      case 'MST': out += abbrev; break
      case '2006': out += c.year < 0 ? '-' + pad(c.year, 4) : pad(c.year, 4); break
      case '06': out += pad(c.year % 100, 2); break
      case '01': out += pad(c.month, 2); break
      case '1': out += String(c.month); break
      case '02': out += pad(c.day, 2); break
      case '_2': out += String(c.day).padStart(2, ' '); break
      case '2': out += String(c.day); break
      case '002': out += pad(c.yday, 3); break
      case '__2': out += String(c.yday).padStart(3, ' '); break
      case '15': out += pad(c.hour, 2); break
      case '03': out += pad(h12, 2); break
      case '3': out += String(h12); break
      case '04': out += pad(c.minute, 2); break
      case '4': out += String(c.minute); break
      case '05': out += pad(c.second, 2); break
      case '5': out += String(c.second); break
      case 'PM': out += c.hour >= 12 ? 'PM' : 'AM'; break
      case 'pm': out += c.hour >= 12 ? 'pm' : 'am'; break
      default:
        if (s[0] === '.' || s[0] === ',') {
          const digits = pad(c.nano, 9).slice(0, s.length - 1)
          if (s[1] === '0') out += s[0] + digits
          else {
            const trimmed = digits.replace(/0+$/, '')
            if (trimmed) out += s[0] + trimmed
          }
        } else {
          const z = s[0] === 'Z'
          const body = z ? s.slice(1) : s.slice(1)
          out += zone(c.offset, body.includes(':'), body.length >= 6, body === '07', z)
        }
    }
  }
  return out
}

export class LayoutParseError extends Error {}

/** Parses `value` against `layout`; returns nanoseconds since the epoch (zone-less layouts read UTC). */
export function parseTime(layout: string, value: string): bigint {
  let v = value
  let year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0, nano = 0, offset = 0
  let pm: boolean | undefined
  let yday = -1
  const fail = (what: string): never => {
    throw new LayoutParseError(`parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(v)} as ${JSON.stringify(what)}`)
  }
  const digits = (min: number, max: number, what: string): number => {
    const m = new RegExp(`^\\d{${min},${max}}`).exec(v)
    if (!m) fail(what)
    v = v.slice((m as RegExpExecArray)[0].length)
    return Number((m as RegExpExecArray)[0])
  }
  const word = (list: string[], len: number | undefined, what: string): number => {
    const i = list.findIndex((w) => v.toLowerCase().startsWith((len ? w.slice(0, len) : w).toLowerCase()))
    if (i < 0) fail(what)
    v = v.slice(len ?? list[i].length)
    return i
  }
  const toks = tokenize(layout)
  for (let ti = 0; ti < toks.length; ti++) {
    const t = toks[ti]
    if ('lit' in t) {
      if (!v.startsWith(t.lit)) fail(t.lit)
      v = v.slice(t.lit.length)
      continue
    }
    const s = t.std
    switch (s) {
      case 'January': month = word(MONTHS, undefined, s) + 1; break
      case 'Jan': month = word(MONTHS, 3, s) + 1; break
      case 'Monday': word(DAYS, undefined, s); break
      case 'Mon': word(DAYS, 3, s); break
      case 'MST': {
        const m = /^(UTC|GMT|[A-Z]{3,5})/.exec(v)
        if (!m) fail(s)
        v = v.slice((m as RegExpExecArray)[0].length)
        const gmt = /^([+-]\d{1,2})/.exec(v)
        if ((m as RegExpExecArray)[0] === 'GMT' && gmt) { offset = Number(gmt[1]) * 3600; v = v.slice(gmt[0].length) }
        break
      }
      case '2006': {
        const m = /^-?\d{4}/.exec(v)
        if (!m) fail(s)
        year = Number((m as RegExpExecArray)[0])
        v = v.slice((m as RegExpExecArray)[0].length)
        break
      }
      case '06': { const y = digits(2, 2, s); year = y >= 69 ? 1900 + y : 2000 + y; break }
      case '01': month = digits(2, 2, s); break
      case '1': month = digits(1, 2, s); break
      case '02': day = digits(2, 2, s); break
      case '_2': if (v[0] === ' ') v = v.slice(1); day = digits(1, 2, s); break
      case '2': day = digits(1, 2, s); break
      case '002': yday = digits(3, 3, s); break
      case '__2': v = v.replace(/^ {1,2}/, ''); yday = digits(1, 3, s); break
      case '15': hour = digits(1, 2, s); break
      case '03': hour = digits(2, 2, s); break
      case '3': hour = digits(1, 2, s); break
      case '04': minute = digits(2, 2, s); break
      case '4': minute = digits(1, 2, s); break
      case '05': case '5': {
        second = digits(s === '05' ? 2 : 1, 2, s)
        // Go accepts a fractional second here even when the layout does not spell one out.
        const next = toks[ti + 1]
        const nextIsFrac = next && 'std' in next && /^[.,]/.test(next.std)
        const f = /^[.,](\d+)/.exec(v)
        if (f && !nextIsFrac) { nano = Number(f[1].slice(0, 9).padEnd(9, '0')); v = v.slice(f[0].length) }
        break
      }
      case 'PM': case 'pm': {
        const m = /^(AM|PM|am|pm)/.exec(v)
        if (!m) fail(s)
        pm = (m as RegExpExecArray)[0].toUpperCase() === 'PM'
        v = v.slice(2)
        break
      }
      default:
        if (s[0] === '.' || s[0] === ',') {
          const f = /^[.,](\d+)/.exec(v)
          if (!f) { if (s[1] === '9') break; fail(s) }
          nano = Number((f as RegExpExecArray)[1].slice(0, 9).padEnd(9, '0'))
          v = v.slice((f as RegExpExecArray)[0].length)
        } else {
          if (s[0] === 'Z' && v[0] === 'Z') { v = v.slice(1); offset = 0; break }
          const m = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?/.exec(v)
          if (!m) fail(s)
          const [all, sign, hh, mm = '0', ss = '0'] = m as RegExpExecArray
          offset = (sign === '-' ? -1 : 1) * (Number(hh) * 3600 + Number(mm) * 60 + Number(ss))
          v = v.slice(all.length)
        }
    }
  }
  if (v !== '') throw new LayoutParseError(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(v)}`)
  if (pm !== undefined) {
    if (hour > 12) fail('PM')
    if (pm && hour < 12) hour += 12
    if (!pm && hour === 12) hour = 0
  }
  if (yday >= 0) {
    const ml = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    let d = yday
    month = 1
    while (month <= 12 && d > ml[month - 1]) d -= ml[month++ - 1]
    day = d
  }
  const ml = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
  if (month < 1 || month > 12) throw new LayoutParseError(`parsing time ${JSON.stringify(value)}: month out of range`)
  if (day < 1 || day > ml[month - 1]) throw new LayoutParseError(`parsing time ${JSON.stringify(value)}: day out of range`)
  if (hour > 23 || minute > 59 || second > 59) throw new LayoutParseError(`parsing time ${JSON.stringify(value)}: hour/minute/second out of range`)
  return fromCivil(year, month, day, hour, minute, second, nano, offset)
}
