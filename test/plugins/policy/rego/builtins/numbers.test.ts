import t from 'tap'
import { num, set } from '../../../../../plugins/policy/rego/value.ts'
import { call, callErr, callV } from './helpers.ts'

t.test('integer arithmetic stays exact', async (t) => {
  t.equal(call('plus', 9007199254740993n, 1), 9007199254740994n)
  t.equal(call('mul', 18446744073709551614n, 1), 18446744073709551614n)
  t.equal(call('div', 7, 2), 3.5)
  t.equal(call('div', 6, 3), 2)
  t.equal(call('rem', -7, 3), -1)
  t.equal(callErr('div', 1, 0), 'eval_builtin_error: div: divide by zero')
  t.equal(callErr('rem', 1, 0), 'eval_builtin_error: rem: modulo by zero')
  t.equal(callErr('rem', 1.1, 1), 'eval_builtin_error: rem: modulo on floating-point number')
  t.equal(call('round', -2.5), -3)
  t.equal(call('abs', -3), 3)
  t.same(call('minus', set([num(1), num(2)]), set([num(2)])), [1])
})

t.test('numbers.range is bounded', async (t) => {
  t.same(call('numbers.range', 2, -1), [2, 1, 0, -1])
  t.same(call('numbers.range_step', 0, 10, 4), [0, 4, 8])
  t.equal(callErr('numbers.range', 3.14, 4), 'eval_type_error: numbers.range: operand 1 must be integer number but got floating-point number')
  t.equal(callErr('numbers.range_step', 0, 1, 0), 'eval_builtin_error: numbers.range_step: step must be a positive integer')
  t.match(callErr('numbers.range', 0, 100_000_000), /exceeds the limit/)
})

t.test('bits', async (t) => {
  t.equal(call('bits.and', 5, 3), 1)
  t.equal(call('bits.negate', 5), -6)
  t.equal(call('bits.lsh', 1, 70), 1180591620717411303424n)
  t.equal(callErr('bits.rsh', 1, -1), 'eval_type_error: bits.rsh: operand 2 must be an unsigned integer number but got a negative integer')
})

t.test('aggregates', async (t) => {
  t.equal(call('sum', [1, 2.5]), 3.5)
  t.equal(call('product', [2, 3]), 6)
  t.equal(call('max', []), undefined)
  t.same(call('sort', [3, 'a', 1]), [1, 3, 'a'])
  t.equal(callErr('count', null), 'eval_type_error: count: operand 1 must be one of {array, object, set, string} but got null')
  t.equal(call('internal.member_3', 1, 'two', ['one', 'two']), true)
})

t.test('rand.intn is stable within a query', async (t) => {
  const c = { strict: false, nowNs: 0n, cache: new Map<string, unknown>() }
  const a = callV('rand.intn', [{ type: 'string', value: 'k' }, num(1000)], c)
  const b = callV('rand.intn', [{ type: 'string', value: 'k' }, num(1000)], c)
  t.same(a, b)
})
