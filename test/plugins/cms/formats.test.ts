/**
 * plugins/cms/formats: JSON and YAML parsing with exact error locations, the flattening convention
 * (entries) and text. Properties, hostile input, schemas and diffs have their own formats-*.test.ts.
 */
import t, { type Test } from 'tap'
import { FormatError, parseDocument, type ConfigFormat } from '../../../plugins/cms/formats/index.ts'

function refuses(t: Test, format: ConfigFormat, content: string, want: { kind?: string; line?: number; column?: number; message?: RegExp }) {
  let e: unknown
  try {
    parseDocument(format, content)
  } catch (err) {
    e = err
  }
  if (!(e instanceof FormatError)) return t.fail(`expected a FormatError for ${JSON.stringify(content)}, got ${String(e)}`)
  t.strictSame({ format: e.format, kind: e.kind, line: e.line, column: e.column }, { format, kind: want.kind ?? 'syntax', line: want.line, column: want.column }, `${JSON.stringify(content)}: ${e.message}`)
  if (want.message) t.match(e.message, want.message)
}
const entries = (format: ConfigFormat, content: string) => ({ ...parseDocument(format, content).entries })

t.test('JSON syntax errors carry the exact line and column', async (t) => {
  refuses(t, 'json', '{"a": x}', { line: 1, column: 7, message: /^Unexpected token "x"$/ })
  refuses(t, 'json', '{\n  "a": 1,\n  "b": tru\n}', { line: 3, column: 8, message: /"tru"/ })
  refuses(t, 'json', '{"a":1,}', { line: 1, column: 8, message: /trailing commas/ })
  refuses(t, 'json', '[1,2,]', { line: 1, column: 6, message: /trailing commas/ })
  refuses(t, 'json', '[1,2', { line: 1, column: 5, message: /Expected ',' or ']'.*end of input/ })
  refuses(t, 'json', '', { line: 1, column: 1, message: /end of input/ })
  refuses(t, 'json', '{"a" 1}', { line: 1, column: 6, message: /Expected ':'/ })
  refuses(t, 'json', '{"a":1 "b":2}', { line: 1, column: 8, message: /Expected ',' or '}'/ })
  refuses(t, 'json', '{"a":1}\n\n  x', { line: 3, column: 3, message: /after the end of the document/ })
  refuses(t, 'json', "{'a': 1}", { line: 1, column: 2, message: /double quotes/ })
  refuses(t, 'json', '{"a": 1} // note', { line: 1, column: 10 })
  refuses(t, 'json', '{"a":01}', { line: 1, column: 6, message: /leading zeros/ })
  refuses(t, 'json', '{"a":-}', { line: 1, column: 7, message: /digit after '-'/ })
  refuses(t, 'json', '[1.]', { line: 1, column: 4, message: /decimal point/ })
  refuses(t, 'json', '[1e+]', { line: 1, column: 5, message: /exponent/ })
  refuses(t, 'json', '{"a":\n  "unterminated}', { line: 2, column: 3, message: /Unterminated string/ })
  refuses(t, 'json', '["a\tb"]', { line: 1, column: 4, message: /U\+0009/ })
  refuses(t, 'json', '["\\x"]', { line: 1, column: 3, message: /Invalid escape "\\\\x"/ })
  refuses(t, 'json', '["\\u12G4"]', { line: 1, column: 3, message: /four hex digits/ })
  refuses(t, 'json', '{"a": 1, "b": {"c": 2, "c": 3}}', { line: 1, column: 24, message: /^Duplicate key "c"$/ })
  refuses(t, 'json', '{"\\u0061": 1, "a": 2}', { line: 1, column: 15, message: /Duplicate key "a"/ })
  // Line breaks: \r\n counts once, a lone \r counts as a break; columns are UTF-16 code units.
  refuses(t, 'json', '{\r\n"a":\r\n x}', { line: 3, column: 2 })
  refuses(t, 'json', '{\r"a":\r x}', { line: 3, column: 2 })
  refuses(t, 'json', '{"😀": x}', { line: 1, column: 8 })
})

t.test('JSON values parse as JSON.parse does; a BOM is ignored', async (t) => {
  const doc = parseDocument('json', '\uFEFF{"a": [1, {"b": null}], "s": "\\u00e9\\n", "__proto__": {"x": true}}')
  t.equal(doc.format, 'json')
  t.strictSame(JSON.stringify(doc.value), '{"a":[1,{"b":null}],"s":"é\\n","__proto__":{"x":true}}')
  t.equal(Object.getPrototypeOf(doc.value), Object.prototype, 'a __proto__ key is data, not a prototype')
  t.strictSame(doc.warnings, [])
  t.strictSame(parseDocument('json', ' 42 ').value, 42)
  refuses(t, 'json', '\uFEFF{"a": x}', { line: 1, column: 7 })
})

t.test('YAML errors carry the exact line and column', async (t) => {
  refuses(t, 'yaml', 'a: 1\nb: 2\na: 3\n', { line: 3, column: 1, message: /unique/ })
  refuses(t, 'yaml', 'a:\n  b: "open\n', { line: 3, column: 1, message: /quote/ })
  refuses(t, 'yaml', 'a: {b: 1\n', { line: 2, column: 1, message: /end with a \}/ })
  refuses(t, 'yaml', 'a:\n\tb: 1\n', { line: 2, column: 1, message: /Tabs/ })
  refuses(t, 'yaml', 'a: 1\n---\nb: 2\n', { line: 2, column: 1, message: /more than one YAML document/ })
  refuses(t, 'yaml', 'x: 1\n? [a, b]\n: 1\n', { line: 2, column: 3, message: /keys must be strings/ })
  refuses(t, 'yaml', 'a: 1\nb: .inf\n', { line: 2, column: 4, message: /\.inf is not a JSON number/ })
  refuses(t, 'yaml', 'a: .nan', { line: 1, column: 4 })
  refuses(t, 'yaml', 'bin: !!binary aGVsbG8=\n', { line: 1, column: 15, message: /!!binary/ })
  refuses(t, 'yaml', 'a: 1\nb: *nope\n', { line: 2, column: 4, message: /Unknown alias \*nope/ })
  refuses(t, 'yaml', 'a: &a\n  - *a\n', { line: 2, column: 5, message: /contains it/ })
})

t.test('YAML: 1.2 core schema, merge keys, unknown tags are warnings', async (t) => {
  const doc = parseDocument('yaml', 'base: &b {host: h, port: 1}\nsvc:\n  <<: *b\n  port: 2\nflags: [yes, on, 0x1F, ~]\nt: !custom x\n')
  t.strictSame(doc.value, { base: { host: 'h', port: 1 }, svc: { host: 'h', port: 2 }, flags: ['yes', 'on', 31, null], t: 'x' })
  t.strictSame({ ...doc.entries }, {
    'base.host': 'h', 'base.port': '1', 'svc.host': 'h', 'svc.port': '2',
    'flags[0]': 'yes', 'flags[1]': 'on', 'flags[2]': '31', 'flags[3]': '', t: 'x',
  })
  t.strictSame(doc.warnings, [{ message: 'Unresolved tag: !custom', line: 6, column: 4 }])
  t.equal(parseDocument('yaml', '').value, null)
  t.strictSame({ ...parseDocument('yaml', '# only a comment\n').entries }, {})
})

t.test('flattening follows Spring Boot: dots for keys, [i] for indexes', async (t) => {
  t.strictSame(entries('json', '{"a": {"b": [{"c": 1}, {"c": 2, "d": [true, false]}]}, "e": null, "s": "x y"}'), {
    'a.b[0].c': '1', 'a.b[1].c': '2', 'a.b[1].d[0]': 'true', 'a.b[1].d[1]': 'false', e: '', s: 'x y',
  })
  t.strictSame(entries('json', '[[1, 2], {"k": "v"}]'), { '[0][0]': '1', '[0][1]': '2', '[1].k': 'v' }, 'root array')
  t.strictSame(entries('json', '{"empty": {}, "none": [], "deep": {"x": {}}}'), { empty: '', none: '', 'deep.x': '' }, 'empty containers keep their key')
  t.strictSame(entries('json', '{"a": {"[0]": 1, "[k]": 2}}'), { 'a[0]': '1', 'a[k]': '2' }, 'a key starting with [ joins without a dot')
  t.strictSame(entries('json', '"just text"'), { '': 'just text' }, 'scalar root')
  t.strictSame(entries('json', 'null'), {}, 'null root')
  t.strictSame(entries('json', '{}'), {}, 'empty root object')
  t.strictSame(entries('yaml', '[]'), {}, 'empty root array')
  t.strictSame(entries('json', '{"": 1, "a": {"": 2}}'), { '': '1', 'a.': '2' })
  t.strictSame(entries('yaml', 'logging.level.root: INFO\nlogging:\n  level:\n    web: DEBUG\n'), { 'logging.level.root': 'INFO', 'logging.level.web': 'DEBUG' })
})

t.test('numbers keep their JSON spelling in entries', async (t) => {
  const doc = parseDocument('json', '{"a": 1.0, "b": 12345678901234567890, "c": [1e3, -0, 0.1, 7], "d": 1.5E+2}')
  t.strictSame({ ...doc.entries }, { a: '1.0', b: '12345678901234567890', 'c[0]': '1e3', 'c[1]': '-0', 'c[2]': '0.1', 'c[3]': '7', d: '1.5E+2' })
  t.equal((doc.value as { b: number }).b, 12345678901234567890, 'the value holds JavaScript numbers')
  t.strictSame(entries('json', '1.50'), { '': '1.50' })
  t.strictSame(entries('yaml', 'big: 12345678901234567890\nneg: -9007199254740993\nf: 1.0\n'), { big: '12345678901234567890', neg: '-9007199254740993', f: '1' })
})

t.test('keys that flatten alike: the later wins, with a warning', async (t) => {
  const doc = parseDocument('json', '{"a.b": 1, "a": {"b": 2}}')
  t.strictSame({ ...doc.entries }, { 'a.b': '2' })
  t.strictSame(doc.warnings, [{ key: 'a.b', message: 'Two values flatten to the key "a.b"; the later one wins' }])
})

t.test('text: anything well-formed, one entry', async (t) => {
  const doc = parseDocument('text', '\uFEFFany {thing: [\n\\u12 ')
  t.equal(doc.value, '\uFEFFany {thing: [\n\\u12 ', 'kept as is, BOM included')
  t.strictSame({ ...doc.entries }, { content: '\uFEFFany {thing: [\n\\u12 ' })
  t.strictSame({ ...parseDocument('text', '').entries }, { content: '' })
  for (const format of ['text', 'json', 'yaml', 'properties'] as const) {
    refuses(t, format, 'ok\nab\uD800c', { line: 2, column: 3, message: /lone UTF-16 surrogate/ })
  }
  t.throws(() => parseDocument('toml' as ConfigFormat, 'a = 1'), FormatError)
})

t.test('FormatError serializes to its location fields', async (t) => {
  let e: unknown
  try { parseDocument('json', '{"a": x}') } catch (err) { e = err }
  t.ok(e instanceof FormatError)
  t.strictSame(JSON.parse(JSON.stringify(e)), { format: 'json', kind: 'syntax', message: 'Unexpected token "x"', line: 1, column: 7 })
  t.equal((e as Error).name, 'FormatError')
})
