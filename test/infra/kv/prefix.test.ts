import t from 'tap'
import { bytePrefixEnd, textPrefixEnd } from '../../../src/infra/kv/prefix.ts'

/** Code point order, which is UTF-8 byte order and Postgres "C" order (JS `<` compares UTF-16 units). */
const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))

t.test('textPrefixEnd bumps the last code point', async (t) => {
  t.equal(textPrefixEnd('a/b/'), 'a/b0')
  t.equal(textPrefixEnd('a/bz'), 'a/b{')
  t.equal(textPrefixEnd('ключ'), 'ключ'.slice(0, -1) + String.fromCodePoint('ч'.codePointAt(0)! + 1))
  t.equal(textPrefixEnd('x🙂'), 'x🙃', 'astral characters are one code point, not two UTF-16 units')
  t.equal(textPrefixEnd('x\u{d7ff}'), 'x\u{e000}', 'skips the surrogate range, which text cannot hold')
  t.equal(textPrefixEnd('x\u{10ffff}'), 'y', 'the largest code point carries into the previous one')
  t.equal(textPrefixEnd('\u{10ffff}\u{10ffff}'), undefined, 'nothing is larger: no bound')
  t.equal(textPrefixEnd(''), undefined, 'the empty prefix covers everything')
})

t.test('textPrefixEnd bounds exactly the strings with the prefix', async (t) => {
  const alphabet = ['a', 'b', '/', 'z', 'é', '\u{d7ff}', '\u{e000}', '\u{ffff}', '🙂', '\u{10ffff}']
  const pick = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('')
  let checked = 0
  for (let i = 0; i < 3000; i++) {
    const prefix = pick(1 + (i % 3))
    const s = Math.random() < 0.5 ? prefix + pick(i % 4) : pick(1 + (i % 5))
    const end = textPrefixEnd(prefix)
    const inRange = cmp(s, prefix) >= 0 && (end === undefined || cmp(s, end) < 0)
    if (inRange !== s.startsWith(prefix)) {
      t.fail(`prefix ${JSON.stringify(prefix)} end ${JSON.stringify(end)} misjudges ${JSON.stringify(s)}`)
      return
    }
    checked++
  }
  t.equal(checked, 3000)
})

t.test('bytePrefixEnd increments with carry', async (t) => {
  t.same(bytePrefixEnd(Buffer.from('ns/a')), Buffer.from('ns/b'))
  t.same(bytePrefixEnd(Buffer.from([0x61, 0xff, 0xff])), Buffer.from([0x62]))
  t.equal(bytePrefixEnd(Buffer.from([0xff])), undefined)
  t.equal(bytePrefixEnd(Buffer.alloc(0)), undefined)
  const input = Buffer.from('keep')
  bytePrefixEnd(input)
  t.same(input, Buffer.from('keep'), 'the input is not modified')
})
