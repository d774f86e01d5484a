import t from 'tap'
import { arr, num, str } from '../../../../../plugins/policy/rego/value.ts'
import { call, callErr, callV, ctx } from './helpers.ts'

const ns = (n: bigint) => num(n)

t.test('time.parse_ns with Go layouts', async (t) => {
  t.equal(call('time.parse_ns', '2006-01-02T15:04:05Z07:00', '2017-06-02T19:00:00-07:00'), 1496455200000000000n)
  t.equal(call('time.parse_ns', "01/02 03:04:05PM '06 -0700", "06/02 07:00:00PM '17 -0700"), 1496455200000000000n)
  t.equal(call('time.parse_ns', 'RFC822Z', '02 Jun 17 19:00 -0700'), 1496455200000000000n)
  t.equal(call('time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224192-00:00'), -9223372036854775808n)
  t.equal(callErr('time.parse_rfc3339_ns', '2262-04-11T23:47:16.854775808-00:00'), 'eval_builtin_error: time.parse_rfc3339_ns: time outside of valid range')
  t.match(callErr('time.parse_ns', '2006-01-02', 'nope'), /cannot parse/)
})

t.test('time.format, date, clock, weekday in zones', async (t) => {
  const when = ns(1670006453141828752n)
  t.equal(call('time.format', when), '2022-12-02T18:40:53.141828752Z')
  t.equal(call('time.format', arr([when, str('Asia/Kolkata')])), '2022-12-03T00:10:53.141828752+05:30')
  t.equal(call('time.format', arr([when, str('Asia/Kolkata'), str('RFC1123Z')])), 'Sat, 03 Dec 2022 00:10:53 +0530')
  t.same(call('time.clock', arr([ns(1517832000000000000n), str('America/New_York')])), [7, 0, 0])
  t.same(call('time.date', ns(1582977600000000000n)), [2020, 2, 29])
  t.equal(call('time.weekday', ns(1517832000000000000n)), 'Monday')
  t.match(callErr('time.date', 1e30), /timestamp too big/)
  t.match(callErr('time.format', arr([when, str('Mars/Olympus')])), /unknown time zone/)
})

t.test('time arithmetic', async (t) => {
  t.equal(call('time.add_date', ns(1585852421593912000n), 3, 9, 12), 1705257221593912000n)
  t.equal(call('time.add_date', ns(1585852421593912000n), -1, -1, -1), 1551465221593912000n)
  t.equal(callErr('time.add_date', 0, 2262, 1, 1), 'eval_builtin_error: time.add_date: time outside of valid range')
  const day = (s: string) => callV('time.parse_ns', [str('2006-01-02'), str(s)]) as ReturnType<typeof num>
  t.same(call('time.diff', day('2020-02-02'), day('2020-03-01')), [0, 0, 28, 0, 0, 0])
  t.same(call('time.diff', day('2004-02-29'), day('2005-03-01')), [1, 0, 1, 0, 0, 0])
  t.equal(call('time.parse_duration_ns', '1h2m3.5s'), 3723500000000)
  t.equal(call('time.parse_duration_ns', '-1.5us'), -1500)
})

t.test('time.now_ns comes from the query context', async (t) => {
  t.same(callV('time.now_ns', [], ctx({ nowNs: 42n })), num(42))
})
