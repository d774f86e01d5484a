/**
 * The properties format against java.util.Properties. The expected maps below are what
 * Properties.load(Reader) of OpenJDK 17 returned for the same text (checked when this was written).
 */
import t from 'tap'
import { FormatError, parseDocument, serialize } from '../../../plugins/cms/formats/index.ts'

const load = (text: string) => ({ ...parseDocument('properties', text).entries })

t.test('separators: =, :, blanks, and what follows them', async (t) => {
  const cases: Array<[string, Record<string, string>]> = [
    ['a=b', { a: 'b' }], ['a:b', { a: 'b' }], ['a b', { a: 'b' }], ['a\tb', { a: 'b' }], ['a\fb', { a: 'b' }],
    ['a = b ', { a: 'b ' }], ['  a  =  b  ', { a: 'b  ' }], ['a==b', { a: '=b' }], ['a=:b', { a: ':b' }],
    ['a :=b', { a: '=b' }], ['a : : b', { a: ': b' }], ['a  b c', { a: 'b c' }], ['k', { k: '' }], ['k=', { k: '' }],
    ['=v', { '': 'v' }], [':v', { '': 'v' }], [' =v', { '': 'v' }], ['k=  leading', { k: 'leading' }],
    ['k=#not comment', { k: '#not comment' }], ['\t\f k=v', { k: 'v' }],
  ]
  for (const [text, want] of cases) t.strictSame(load(text), want, JSON.stringify(text))
})

t.test('escaped separators, blanks and comment characters', async (t) => {
  const cases: Array<[string, Record<string, string>]> = [
    ['a\\ b=c', { 'a b': 'c' }], ['a\\=b=c', { 'a=b': 'c' }], ['a\\:b:c', { 'a:b': 'c' }], ['a\\\\ b=c', { 'a\\': 'b=c' }],
    ['k=\\  leading', { k: '  leading' }], ['k=v\\ ', { k: 'v ' }], [' \\ k=v', { ' k': 'v' }],
    ['\\#k=v', { '#k': 'v' }], ['\\!k=v', { '!k': 'v' }], ['k\\u003d=v', { 'k=': 'v' }],
  ]
  for (const [text, want] of cases) t.strictSame(load(text), want, JSON.stringify(text))
})

t.test('comments and line endings', async (t) => {
  t.strictSame(load('# c\nk=v\n! other\n  # indented\n\n   \nl=w'), { k: 'v', l: 'w' })
  t.strictSame(load('# a comment never continues \\\nk=v'), { k: 'v' })
  t.strictSame(load('k=v\r\nl=w\rm=x\n'), { k: 'v', l: 'w', m: 'x' })
})

t.test('line continuations', async (t) => {
  const cases: Array<[string, Record<string, string>]> = [
    ['key=value\\\n    continued', { key: 'valuecontinued' }],
    ['key=value\\\\\nnext=x', { key: 'value\\', next: 'x' }],
    ['key=a\\\\\\\n  b', { key: 'a\\b' }],
    ['k=a\\\n\nn=b', { k: 'a', n: 'b' }],
    ['k=a\\\n   \\\n  b', { k: 'ab' }],
    ['k=a\\', { k: 'a' }], ['k=a\\\n', { k: 'a' }],
    ['k=a\\\n# not a comment', { k: 'a# not a comment' }],
    ['a\\\n b=c', { ab: 'c' }], ['k\\\n=v', { k: 'v' }], ['\\\n k=v', { k: 'v' }],
    ['k=a\\\r\n  b', { k: 'ab' }], ['k=a\\\r  b', { k: 'ab' }],
  ]
  for (const [text, want] of cases) t.strictSame(load(text), want, JSON.stringify(text))
})

t.test('escapes and unicode', async (t) => {
  t.strictSame(load('k=\\u0041\\u00e9\\u4e2d'), { k: 'Aé中' })
  t.strictSame(load('\\u0041=x'), { A: 'x' })
  t.strictSame(load('k=\\t\\n\\r\\f\\b\\z\\\\'), { k: '\t\n\r\fbz\\' }, '\\b is no escape in Java: it is b')
  t.strictSame(load('é=ü 😀\nk=\\ud83d\\ude00'), { é: 'ü 😀', k: '😀' })
  t.strictSame(load('\uFEFFk=v'), { k: 'v' }, 'a BOM is not part of the first key')
})

t.test('a malformed \\u escape is refused at its line and column', async (t) => {
  const at = (text: string) => {
    try {
      parseDocument('properties', text)
    } catch (e) {
      if (e instanceof FormatError) return { kind: e.kind, line: e.line, column: e.column, message: e.message }
    }
    return undefined
  }
  const message = 'Malformed \\uXXXX escape: four hex digits expected'
  t.strictSame(at('k=\\u12'), { kind: 'syntax', line: 1, column: 3, message })
  t.strictSame(at('k=\\u12G4'), { kind: 'syntax', line: 1, column: 3, message })
  t.strictSame(at('# fine\nok=1\n  k\\u1=v'), { kind: 'syntax', line: 3, column: 4, message }, 'in a key, after indentation')
  t.strictSame(at('a=1\nb=x\\\n  y\\u00Qz'), { kind: 'syntax', line: 3, column: 4, message }, 'on a continuation line')
  t.strictSame(at('a=1\r\nb=\\\r\n   \\\r\n  x \\uABCDy \\u'), { kind: 'syntax', line: 4, column: 13, message })
  t.equal(at('k=\\u00e9'), undefined)
})

t.test('duplicate keys: the last wins, as in Java, and each one is a warning', async (t) => {
  const doc = parseDocument('properties', 'k=v1\nother=x\n  k = v2\nk\\\n=v3\n')
  t.strictSame({ ...doc.entries }, { k: 'v3', other: 'x' })
  t.strictSame(doc.warnings, [
    { key: 'k', line: 3, column: 3, message: 'Duplicate key "k" (first on line 1): the last value wins' },
    { key: 'k', line: 4, column: 1, message: 'Duplicate key "k" (first on line 1): the last value wins' },
  ])
  t.equal(doc.value, doc.entries, 'value and entries are the same map')
  t.equal(Object.getPrototypeOf(doc.entries), null, 'a null-prototype map')
  t.strictSame(load('__proto__=x\nconstructor=y'), { ['__proto__']: 'x', constructor: 'y' })
  t.equal(Object.keys(parseDocument('properties', '__proto__=x').entries)[0], '__proto__', 'an own key, not a prototype')
})

t.test('serialize escapes as Properties.store does, and parses back to the same map', async (t) => {
  const map: Record<string, string> = {
    ' lead key': ' lead value', 'a=b:c': 'x=y:z', '#hash': '!bang', 'tab\tkey': 'line\nbreak\r\f', 'back\\slash': 'trail\\',
    'é中😀': 'ü\u0001\u007f', '': 'empty key', k: '', 'trailing ': 'value  ', '\\u0041': '\\uZZZZ',
  }
  const text = serialize('properties', map)
  t.equal(text, [
    '\\ lead\\ key=\\ lead value', 'a\\=b\\:c=x\\=y\\:z', '\\#hash=\\!bang', 'tab\\tkey=line\\nbreak\\r\\f', 'back\\\\slash=trail\\\\',
    'é中😀=ü\\u0001\\u007f', '=empty key', 'k=', 'trailing\\ =value  ', '\\\\u0041=\\\\uZZZZ', '',
  ].join('\n'))
  t.strictSame(load(text), map)
  t.equal(serialize('properties', {}), '')
  t.throws(() => serialize('properties', { a: 1 } as unknown as Record<string, string>), { name: 'FormatError', kind: 'unsupported', message: /"a" is not a string/ })
  t.throws(() => serialize('properties', ['x']), { name: 'FormatError', kind: 'unsupported' })
})
