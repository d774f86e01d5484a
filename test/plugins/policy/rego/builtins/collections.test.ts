import t from 'tap'
import { arr, num, set, str } from '../../../../../plugins/policy/rego/value.ts'
import { call, callErr, callV } from './helpers.ts'

t.test('object built-ins', async (t) => {
  t.equal(call('object.get', { a: { b: [1, 2] } }, ['a', 'b', 1], 'd'), 2)
  t.equal(call('object.get', { a: 1 }, 'z', 'd'), 'd')
  t.same(call('object.union', { a: { b: 1, c: 2 } }, { a: { b: 3 } }), { a: { b: 3, c: 2 } })
  t.same(call('object.union_n', [{ a: 1 }, { b: 2 }, { a: 3 }]), { a: 3, b: 2 })
  t.same(call('object.remove', { a: 1, b: 2 }, ['a']), { b: 2 })
  t.same(call('object.filter', { a: 1, b: 2 }, { a: 'ignored' }), { a: 1 })
  t.equal(callErr('object.remove', 'x', []), 'eval_type_error: object.remove: operand 1 must be object but got string')
  t.equal(callErr('object.filter', {}, 'x'), 'eval_type_error: object.filter: operand 2 must be one of {object, set, array} but got string')
  t.equal(call('object.subset', { a: { b: 1, c: [6, 7, 8] }, d: 1 }, { a: { c: [7, 8] } }), true)
  t.equal(call('object.subset', [1, 2, 3, 4], set([num(3), num(2)])), true)
  t.equal(call('object.subset', set([num(1)]), [1]), false)
})

t.test('arrays and sets', async (t) => {
  t.same(call('array.slice', [1, 2, 3, 4], -1, 2), [1, 2])
  t.same(call('array.reverse', [1, 2]), [2, 1])
  t.same(call('array.flatten', [1, [2, [3]]]), [1, 2, [3]])
  t.same(call('intersection', set([set([num(1), num(2)]), set([num(2)])])), [2])
  t.same(call('union', set([set([num(1)]), set([num(2)])])), [1, 2])
})

t.test('walk is a relation of [path, value] pairs', async (t) => {
  const d = callV('walk', [arr([num(1), arr([str('x')])])])
  t.same(d?.type === 'array' ? d.items.length : 0, 4)
  t.same(call('walk', { a: 1 }), [[[], { a: 1 }], [['a'], 1]])
})

t.test('graph.reachable(_paths)', async (t) => {
  const g = { a: ['b', 'c'], b: ['c'], c: [] }
  t.same(call('graph.reachable', g, ['a']), ['a', 'b', 'c'])
  t.same(call('graph.reachable_paths', g, ['a']), [['a', 'b', 'c'], ['a', 'c']])
  t.same(call('graph.reachable_paths', { a: ['b'], b: ['a'] }, ['a']), [['a', 'b']])
})
