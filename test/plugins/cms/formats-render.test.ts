/** serialize, renderAs and unflatten: output shapes, and that what is written parses back to the same. */
import t from 'tap'
import { DEFAULT_LIMITS, flatten, parseDocument, renderAs, serialize, unflatten, type RenderTarget } from '../../../plugins/cms/formats/index.ts'

const tricky = {
  str: 'plain', yes: 'yes', on: 'on', octal: '010', float: '1.0', nul: 'null', empty: '', tilde: '~', colon: 'a: b', hash: 'x #y',
  multi: 'line 1\nline 2\n', lead: '  spaced', unicode: 'é中😀', quote: '"\'', star: '*a', dash: '- x', '': 'empty key', 'a.b': 'dotted key',
  num: 42, neg: -1.5, big: 1e21, t: true, f: false, none: null, list: [1, 'two', [3], {}, []], nested: { deep: { er: { est: 'x' } } }, obj: {},
  ['__proto__']: { polluted: 'no' },
}

t.test('json: two-space indentation and a final newline', async (t) => {
  t.equal(serialize('json', { a: [1, { b: null }], c: 'é' }), '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ],\n  "c": "é"\n}\n')
  const back = parseDocument('json', serialize('json', tricky))
  t.strictSame(back.value, tricky)
  t.strictSame(back.entries, flatten('json', tricky, DEFAULT_LIMITS))
})

t.test('yaml: written with YAML 1.1-safe quoting, read back to the same value', async (t) => {
  t.equal(serialize('yaml', { a: 'yes', b: 'on', c: '010', d: 1, e: [true, null], f: 'x' }), 'a: "yes"\nb: "on"\nc: "010"\nd: 1\ne:\n  - true\n  - null\nf: x\n')
  const back = parseDocument('yaml', serialize('yaml', tricky))
  t.strictSame(back.value, tricky)
  t.strictSame(back.warnings, [])
  const shared = { x: 1 }
  t.equal(serialize('yaml', { a: shared, b: shared }), 'a:\n  x: 1\nb:\n  x: 1\n', 'shared objects are written out, not aliased')
})

t.test('text and properties serialize; wrong shapes and depths are refused', async (t) => {
  t.equal(serialize('text', 'as\nis'), 'as\nis')
  t.throws(() => serialize('text', 1), { name: 'FormatError', kind: 'unsupported' })
  t.equal(serialize('properties', { 'a.b': 'x y', c: '' }), 'a.b=x y\nc=\n')
  t.throws(() => serialize('properties', { a: { b: 'c' } }), { name: 'FormatError', kind: 'unsupported', message: /"a" is not a string/ })
  let deep: unknown = 1
  for (let i = 0; i < 10_000; i++) deep = [deep]
  t.throws(() => serialize('json', deep), { name: 'FormatError', kind: 'limit' })
  t.throws(() => serialize('yaml', deep), { name: 'FormatError', kind: 'limit' })
})

t.test('renderAs: the representation a client asks for', async (t) => {
  const props = parseDocument('properties', 'server.port=8080\nserver.hosts[0]=a\nserver.hosts[1]=b\nname=demo')
  t.equal(renderAs(props, 'json'), '{\n  "server.port": "8080",\n  "server.hosts[0]": "a",\n  "server.hosts[1]": "b",\n  "name": "demo"\n}\n', 'the flat map, as Apollo serves it')
  t.equal(renderAs(props, 'yaml'), 'server:\n  port: "8080"\n  hosts:\n    - a\n    - b\nname: demo\n', 'nested back, as Spring Cloud Config serves .yml')
  t.equal(renderAs(props, 'properties'), 'server.port=8080\nserver.hosts[0]=a\nserver.hosts[1]=b\nname=demo\n')
  const json = parseDocument('json', '{"server": {"port": 8080, "tags": ["x", "y"]}, "on": "yes"}')
  t.equal(renderAs(json, 'properties'), 'server.port=8080\nserver.tags[0]=x\nserver.tags[1]=y\non=yes\n')
  t.equal(renderAs(json, 'yaml'), 'server:\n  port: 8080\n  tags:\n    - x\n    - "y"\n"on": "yes"\n')
  t.equal(renderAs(parseDocument('yaml', 'a: {b: [1, ~]}\n'), 'json'), '{\n  "a": {\n    "b": [\n      1,\n      null\n    ]\n  }\n}\n')
  const text = parseDocument('text', 'hello\nworld')
  t.equal(renderAs(text, 'json'), '{\n  "content": "hello\\nworld"\n}\n')
  t.equal(renderAs(text, 'properties'), 'content=hello\\nworld\n')
  t.strictSame(parseDocument('yaml', renderAs(text, 'yaml')).value, { content: 'hello\nworld' })
  t.throws(() => renderAs(json, 'toml' as RenderTarget), { name: 'FormatError', kind: 'unsupported' })
})

t.test('unflatten keeps what cannot nest as literal keys, so that it flattens back to itself', async (t) => {
  t.strictSame(unflatten({ a: '1', 'a.b': '2' }), { a: '1', 'a.b': '2' }, 'a value and a parent at once')
  t.strictSame(unflatten({ 'a.b': '2', a: '1' }), { a: '1', 'a.b': '2' }, 'whatever the order')
  t.strictSame(unflatten({ 'a.b': '1', 'a[0]': '2' }), { a: { b: '1' }, 'a[0]': '2' }, 'an object and an array at once')
  t.strictSame(unflatten({ 'l[0]': 'x', 'l[2]': 'z' }), { l: { '[0]': 'x', '[2]': 'z' } }, 'sparse indexes stay keys')
  t.strictSame(unflatten({ 'l[1]': 'y', 'l[0]': 'x' }), { l: ['x', 'y'] })
  t.strictSame(unflatten({ 'a..b': '1', '.c': '2', 'd.': '3', '[0]': '4', 'e[01]': '5', 'f[0]x': '6' }), { 'a..b': '1', '.c': '2', 'd.': '3', '[0]': '4', 'e[01]': '5', 'f[0]x': '6' })
  t.strictSame(unflatten({ 'm[0][1]': 'a', 'm[0][0]': 'b' }), { m: [['b', 'a']] })
  const long = Array(100).fill('k').join('.')
  t.strictSame(unflatten({ [long]: 'v' }), { [long]: 'v' }, 'deeper than the limit stays literal')
  t.equal(Object.keys(unflatten({ '__proto__.x': '1' }))[0], '__proto__', 'an own key, not a prototype')
})

t.test('unflatten then flatten is the identity, on random key sets', async (t) => {
  let seed = 7
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n
  const parts = ['a', 'b', 'c', '[0]', '[1]', '[2]', '[01]', '', '.', 'x y', '__proto__']
  for (let round = 0; round < 300; round++) {
    const entries: Record<string, string> = Object.create(null)
    for (let k = rand(8) + 1; k > 0; k--) {
      let key = ''
      for (let p = rand(4) + 1; p > 0; p--) {
        const part = parts[rand(parts.length)]
        key += part.startsWith('[') || key === '' ? part : `.${part}`
      }
      entries[key] = String(rand(100))
    }
    const back = flatten('yaml', unflatten(entries), DEFAULT_LIMITS)
    const sorted = (o: Record<string, string>) => Object.keys(o).sort().map((k) => [k, o[k]])
    if (JSON.stringify(sorted(back)) !== JSON.stringify(sorted(entries))) {
      t.fail(`round ${round}: ${JSON.stringify(sorted(entries))} came back as ${JSON.stringify(sorted(back))}`)
      return
    }
    const viaYaml = parseDocument('yaml', renderAs(parseDocument('properties', serialize('properties', entries)), 'yaml')).entries
    if (JSON.stringify(sorted(viaYaml)) !== JSON.stringify(sorted(entries))) {
      t.fail(`round ${round}: through YAML ${JSON.stringify(sorted(entries))} came back as ${JSON.stringify(sorted(viaYaml))}`)
      return
    }
  }
  t.pass('300 random key sets survive properties -> yaml -> entries')
})
