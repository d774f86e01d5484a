import t from 'tap'
import { arr, num, set, str } from '../../../../../plugins/policy/rego/value.ts'
import { call, callErr } from './helpers.ts'

t.test('cidr containment and intersection', async (t) => {
  t.equal(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3'), true)
  t.equal(call('net.cidr_contains', '172.17.0.0/24', '172.17.0.0/16'), false)
  t.equal(call('net.cidr_contains', '2001:4860:4860::8888/32', '2001:4860:4860:1234::8888/40'), true)
  t.equal(call('net.cidr_intersects', '192.168.1.0/25', '192.168.1.64/25'), true)
  t.equal(call('net.cidr_is_valid', '10.0.0.0/33'), false)
  t.match(callErr('net.cidr_contains', 'not-a-cidr', '10.0.0.1'), /invalid CIDR address/)
})

t.test('expand and merge', async (t) => {
  t.same(call('net.cidr_expand', '192.168.1.1/30'), ['192.168.1.0', '192.168.1.1', '192.168.1.2', '192.168.1.3'])
  t.equal(callErr('net.cidr_expand', '192.168.1.1/33'), 'eval_builtin_error: net.cidr_expand: invalid CIDR address: 192.168.1.1/33')
  t.match(callErr('net.cidr_expand', '10.0.0.0/8'), /more than/)
  t.same(call('net.cidr_merge', ['192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31']), ['192.0.2.112/29'])
  t.same(call('net.cidr_merge', ['192.0.128.0', '192.0.129.0']), ['192.0.128.0/23'])
  t.same(call('net.cidr_merge', ['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64']), ['2601:600:8a80:207e::/64'])
  t.equal(callErr('net.cidr_merge', ['::1']), 'eval_builtin_error: net.cidr_merge: IPv6 invalid: needs prefix length')
})

t.test('cidr_contains_matches keys by operand shape', async (t) => {
  t.same(call('net.cidr_contains_matches', '1.1.1.0/24', '1.1.1.1'), [['1.1.1.0/24', '1.1.1.1']])
  t.same(call('net.cidr_contains_matches', arr([arr([str('1.1.2.0/24'), num(1)]), str('1.1.1.0/24')]), ['1.1.1.1', '1.1.2.1']), [[0, 1], [1, 0]])
  t.same(call('net.cidr_contains_matches', { k: '1.1.1.1/24' }, set([str('1.1.1.128')])), [['k', '1.1.1.128']])
  t.equal(callErr('net.cidr_contains_matches', ['1.1.1.0/24'], [[]]), 'eval_builtin_error: net.cidr_contains_matches: operand 2: element must be string or non-empty array')
})

t.test('lookup_ip_addr answers literals without DNS', async (t) => {
  t.same(call('net.lookup_ip_addr', '10.0.0.1'), ['10.0.0.1'])
})

t.test('IPv4-mapped IPv6 addresses act as IPv4, as in Go', async (t) => {
  t.equal(call('net.cidr_contains', '10.0.0.0/8', '::ffff:10.1.2.3'), true)
})
