import t from 'tap'
import { evalAccessCondition as ev } from './access-condition.ts'

const f = (...path: string[]) => ({ path })

t.test('AccessCondition semantics follow Rego: undefined fields fail comparisons, not negates', async (t) => {
  const doc = { access: { public: true, users: ['alice'], groups: { a: 'g1' }, level: 3 } }
  t.equal(ev({ op: 'eq', field: f('access', 'public'), value: true }, doc), true)
  t.equal(ev({ op: 'ne', field: f('access', 'missing'), value: false }, doc), false, 'ne on an undefined field is false')
  t.equal(ev({ op: 'not', arg: { op: 'eq', field: f('access', 'missing'), value: 1 } }, doc), true)
  t.equal(ev({ op: 'contains', field: f('access', 'users'), value: 'alice' }, doc), true)
  t.equal(ev({ op: 'contains', field: f('access', 'groups'), value: 'g1' }, doc), true, 'object values count, as Rego `in`')
  t.equal(ev({ op: 'overlaps', field: f('access', 'users'), values: ['bob', 'alice'] }, doc), true)
  t.equal(ev({ op: 'overlaps', field: f('access', 'public'), values: [true] }, doc), false, 'a scalar is not a collection')
  t.equal(ev({ op: 'in', field: f('access', 'level'), values: [1, 3] }, doc), true)
  t.equal(ev({ op: 'lt', field: f('access', 'level'), value: 'a' }, doc), true, 'numbers sort before strings')
  t.equal(ev({ op: 'gt', field: f('access', 'users'), value: 'z' }, doc), true, 'arrays sort after strings')
  t.equal(ev({ op: 'eq', field: f('access', 'users'), value: null }, doc), false)
  t.equal(ev({ op: 'or', args: [{ op: 'false' }, { op: 'and', args: [{ op: 'true' }] }] }, doc), true)
  t.equal(ev({ op: 'and', args: [] }, doc), true)
  t.equal(ev({ op: 'or', args: [] }, doc), false)
})
