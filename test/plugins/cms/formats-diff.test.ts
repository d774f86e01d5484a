/** Per-key and per-line diffs between two versions of a namespace. */
import t from 'tap'
import { diffDocuments, diffText, FormatError, MAX_EDIT_LENGTH } from '../../../plugins/cms/formats/index.ts'

t.test('keyed formats: added, removed, changed, sorted by key', async (t) => {
  const before = '{"db": {"host": "a", "port": 5432}, "list": [1, 2, 3], "gone": true, "same": "x"}'
  const after = '{"same": "x", "list": [1, 20], "db": {"port": 5432, "host": "b", "pool": {}}, "new": null}'
  t.strictSame(diffDocuments('json', before, after).changes, [
    { key: 'db.host', op: 'changed', before: 'a', after: 'b' },
    { key: 'db.pool', op: 'added', after: '' },
    { key: 'gone', op: 'removed', before: 'true' },
    { key: 'list[1]', op: 'changed', before: '2', after: '20' },
    { key: 'list[2]', op: 'removed', before: '3' },
    { key: 'new', op: 'added', after: '' },
  ])
  t.strictSame(diffDocuments('properties', 'b=1\na=2\nc=3', 'a=2\nc=4\nB=1').changes, [
    { key: 'B', op: 'added', after: '1' },
    { key: 'b', op: 'removed', before: '1' },
    { key: 'c', op: 'changed', before: '3', after: '4' },
  ], 'code unit order: upper case first')
  t.strictSame(diffDocuments('yaml', 'a: 1\nb: [x]\n', 'a: 1\nb: [x, y]\n').changes, [{ key: 'b[1]', op: 'added', after: 'y' }])
})

t.test('identical documents, and documents that differ only in layout, give an empty diff', async (t) => {
  for (const [format, doc] of [['json', '{"a": [1, {"b": null}]}'], ['yaml', 'a: [1, {b: ~}]\n'], ['properties', 'a=1\nb=2'], ['text', 'x\ny\n']] as const) {
    t.strictSame(diffDocuments(format, doc, doc), { changes: [] }, `${format}: identical`)
  }
  t.strictSame(diffDocuments('json', '{"a":1,"b":2}', '{\n  "b": 2,\n  "a": 1\n}\n').changes, [], 'reformatted JSON')
  t.strictSame(diffDocuments('yaml', 'a: 1 # one\nb: 2\n', 'b: 2\n\na: 1\n').changes, [], 'comments and order in YAML')
  t.strictSame(diffDocuments('properties', 'a=1\n# c\nb = 2', 'b:2\na 1').changes, [], 'separators in properties')
  t.strictSame(diffDocuments('json', '{"a": 1}', '{"a": 1.0}').changes, [{ key: 'a', op: 'changed', before: '1', after: '1.0' }], 'number spelling is kept')
})

t.test('a first version: everything is added', async (t) => {
  t.strictSame(diffDocuments('properties', undefined, 'b=2\na=1').changes, [{ key: 'a', op: 'added', after: '1' }, { key: 'b', op: 'added', after: '2' }])
  t.strictSame(diffDocuments('text', undefined, 'x\ny').changes, [{ key: '+1', op: 'added', line: 1, after: 'x' }, { key: '+2', op: 'added', line: 2, after: 'y' }])
  t.strictSame(diffDocuments('json', '{"a": 1}', '{}').changes, [{ key: 'a', op: 'removed', before: '1' }])
})

t.test('an invalid version throws its FormatError', async (t) => {
  t.throws(() => diffDocuments('json', '{"a": 1}', '{"a": }'), FormatError)
  t.throws(() => diffDocuments('yaml', 'a: [', 'a: 1'), { name: 'FormatError', kind: 'syntax', line: 1, column: 5 })
})

t.test('text: a line diff with line numbers', async (t) => {
  const before = 'one\ntwo\nthree\nfour\nfive\n'
  const after = 'one\n2\nthree\nfour\nfour and a half\nfive\n'
  t.strictSame(diffDocuments('text', before, after).changes, [
    { key: '-2', op: 'removed', line: 2, before: 'two' },
    { key: '+2', op: 'added', line: 2, after: '2' },
    { key: '+5', op: 'added', line: 5, after: 'four and a half' },
  ])
  t.strictSame(diffText('a\nb\nc', 'a\nc'), [{ key: '-2', op: 'removed', line: 2, before: 'b' }])
  t.strictSame(diffText('a\nb', ''), [{ key: '-1', op: 'removed', line: 1, before: 'a' }, { key: '-2', op: 'removed', line: 2, before: 'b' }])
  t.strictSame(diffText('a\n\n\nb', 'a\n\nb'), [{ key: '-3', op: 'removed', line: 3, before: '' }], 'blank lines count')
})

t.test('text: line endings and the final newline are changes', async (t) => {
  t.strictSame(diffText('a\nb', 'a\nb\n'), [{ key: '-2', op: 'removed', line: 2, before: 'b' }, { key: '+2', op: 'added', line: 2, after: 'b' }])
  t.strictSame(diffText('a\r\nb\r\n', 'a\nb\r\n'), [{ key: '-1', op: 'removed', line: 1, before: 'a' }, { key: '+1', op: 'added', line: 1, after: 'a' }])
  t.strictSame(diffText('a\rb', 'a\rc'), [{ key: '-2', op: 'removed', line: 2, before: 'b' }, { key: '+2', op: 'added', line: 2, after: 'c' }], 'a lone CR ends a line')
})

t.test('text: large, completely different texts are bounded and still correct', async (t) => {
  const n = 20_000
  const before = Array.from({ length: n }, (_, i) => `old ${i}`).join('\n') + '\n'
  const after = Array.from({ length: n }, (_, i) => (i % 2 ? `old ${i}` : `new ${i}`)).join('\n') + '\n'
  const start = performance.now()
  const changes = diffText(before, after)
  t.ok(performance.now() - start < 5000, `bounded (${(performance.now() - start).toFixed(0)} ms)`)
  t.ok(n > MAX_EDIT_LENGTH, 'more edits than the Myers bound')
  // Whatever the script, applying it to before must give after.
  const removed = new Set(changes.filter((c) => c.op === 'removed').map((c) => c.line))
  const kept = before.split('\n').slice(0, n).filter((_, i) => !removed.has(i + 1))
  const added = changes.filter((c) => c.op === 'added')
  const addedAt = new Map(added.map((c) => [c.line, c.after!]))
  const rebuilt: string[] = []
  let k = 0
  for (let line = 1; line <= n; line++) rebuilt.push(addedAt.get(line) ?? kept[k++])
  t.equal(rebuilt.join('\n') + '\n', after)
  t.equal(added.length + (n - removed.size), n)
  const small = diffText(before, before.replace('old 7\n', 'seven\n'))
  t.strictSame(small, [{ key: '-8', op: 'removed', line: 8, before: 'old 7' }, { key: '+8', op: 'added', line: 8, after: 'seven' }], 'a small change in a large text is minimal')
})
