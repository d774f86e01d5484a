import t from 'tap'
import { patchAt, type PatchOp } from '../../../plugins/policy/data-doc.ts'
import { applyPatch } from '../../../plugins/policy/rego/builtins/json-patch.ts'
import { fromJs, toJs } from '../../../plugins/policy/rego/value.ts'

const errorOf = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return err as { code: string; statusCode: number; message: string }
  }
  throw new Error('expected an error')
}

t.test('Data API PATCH: "/" and "" address the URL document, as in OPA', async (t) => {
  const doc = { users: { ann: { role: 'admin' } }, other: 1 }
  t.same(patchAt(doc, ['users'], [{ op: 'add', path: '/', value: { bob: {} } }]), { users: { bob: {} }, other: 1 })
  t.same(patchAt(doc, ['users'], [{ op: 'replace', path: '', value: {} }]), { users: {}, other: 1 })
  t.same(patchAt(doc, [], [{ op: 'add', path: '/', value: { fresh: true } }]), { fresh: true }, 'at the root: the whole document')
  t.match(errorOf(() => patchAt(doc, [], [{ op: 'add', path: '/', value: [1] }])), { statusCode: 400, message: /must be an object/ })
  t.same(doc, { users: { ann: { role: 'admin' } }, other: 1 }, 'the input is never modified')
})

t.test('Data API PATCH: escapes and arrays', async (t) => {
  const doc = { list: [1, 2], 'a/b': { 'm~n': 0 } }
  t.same(patchAt(doc, [], [{ op: 'add', path: '/list/-', value: 3 }]).list, [1, 2, 3], '"-" appends')
  t.same(patchAt(doc, ['list'], [{ op: 'add', path: '/0', value: 0 }]).list, [0, 1, 2], 'an index inserts')
  t.same(patchAt(doc, [], [{ op: 'remove', path: '/list/1' }]).list, [1])
  t.same(patchAt(doc, [], [{ op: 'replace', path: '/a~1b/m~0n', value: 9 }])['a/b'], { 'm~n': 9 })
  t.match(errorOf(() => patchAt(doc, [], [{ op: 'add', path: '/list/5', value: 0 }])), { statusCode: 404, message: /out of range/ })
})

t.test('Data API PATCH: a missing target or parent is a 404; operations apply all or nothing', async (t) => {
  const doc = { a: { b: 1 } }
  t.match(errorOf(() => patchAt(doc, [], [{ op: 'remove', path: '/a/x' }])), { statusCode: 404 })
  t.match(errorOf(() => patchAt(doc, [], [{ op: 'replace', path: '/x', value: 1 }])), { statusCode: 404 })
  t.match(errorOf(() => patchAt(doc, [], [{ op: 'add', path: '/x/y', value: 1 }])), { statusCode: 404 }, 'PATCH does not create parents')
  const ops: PatchOp[] = [{ op: 'add', path: '/a/c', value: 2 }, { op: 'remove', path: '/nope' }]
  t.match(errorOf(() => patchAt(doc, [], ops)), { statusCode: 404 })
  t.match(errorOf(() => patchAt(doc, [], [{ op: 'add', path: '/%zz', value: 1 }])), { statusCode: 400, message: /bad patch path/ })
})

t.test('json.patch: "/" is the key "", as in RFC 6901 and OPA', async (t) => {
  const patch = (doc: unknown, ops: unknown[]) => {
    const out = applyPatch(fromJs(doc), ops.map(fromJs))
    return out === undefined ? undefined : toJs(out)
  }
  t.same(patch({ a: 1 }, [{ op: 'add', path: '/', value: 2 }]), { a: 1, '': 2 })
  t.same(patch({ a: 1 }, [{ op: 'replace', path: '', value: 2 }]), 2, '"" is the whole document')
  t.same(patch({ 'x/y': { '~': 1 } }, [{ op: 'remove', path: '/x~1y/~0' }]), { 'x/y': {} })
  t.same(patch({ l: [1] }, [{ op: 'add', path: 'l/-', value: 2 }]), { l: [1, 2] }, 'the leading "/" is optional')
  t.same(patch({ l: [1] }, [{ op: 'move', from: '/l/0', path: '/m' }, { op: 'test', path: '/m', value: 1 }]), { l: [], m: 1 })
  t.equal(patch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), undefined, 'a failed test makes the result undefined')
})
