import t from 'tap'
import { parseBuiltinPath, parseDataPatchPath, parsePointer, unescapeToken } from '../../../plugins/policy/json-pointer.ts'

t.test('RFC 6901 tokens: ~1 is "/", ~0 is "~", decoded in that order', async (t) => {
  t.equal(unescapeToken('a~1b'), 'a/b')
  t.equal(unescapeToken('m~0n'), 'm~n')
  t.equal(unescapeToken('~01'), '~1', 'not "/"')
  t.equal(unescapeToken('~10'), '/0')
})

t.test('strict pointers', async (t) => {
  t.same(parsePointer(''), [], '"" is the whole document')
  t.same(parsePointer('/'), [''], '"/" is the key ""')
  t.same(parsePointer('/a~1b/m~0n/-'), ['a/b', 'm~n', '-'], '"-" is left to the array operation')
  t.same(parsePointer('/a/'), ['a', ''])
  t.equal(parsePointer('a/b'), undefined, 'a pointer starts with "/"')
})

t.test('json.* built-in paths, as OPA reads them', async (t) => {
  t.same(parseBuiltinPath(''), [])
  t.same(parseBuiltinPath('/'), [''], '"/" is the key "", as in RFC 6901')
  t.same(parseBuiltinPath('a/b'), ['a', 'b'], 'the leading "/" is optional')
  t.same(parseBuiltinPath('//a'), ['a'], 'leading slashes are dropped')
  t.same(parseBuiltinPath('/x~1y/0/-'), ['x/y', '0', '-'])
})

t.test('Data API PATCH paths, relative to the URL document, as OPA trims them', async (t) => {
  t.same(parseDataPatchPath(''), [])
  t.same(parseDataPatchPath('/'), [], '"/" is the URL document itself')
  t.same(parseDataPatchPath('/a/b/'), ['a', 'b'])
  t.same(parseDataPatchPath('a'), ['a'])
  t.same(parseDataPatchPath('/k~1v/m~0n/-'), ['k/v', 'm~n', '-'])
  t.same(parseDataPatchPath('/a%20b/%7E1'), ['a b', '/'], 'percent-decoded first, then ~ escapes')
  t.equal(parseDataPatchPath('/100%'), undefined, 'a malformed escape is refused')
})
