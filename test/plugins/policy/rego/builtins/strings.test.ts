import t from 'tap'
import { arr, set, str } from '../../../../../plugins/policy/rego/value.ts'
import { call, callErr } from './helpers.ts'

t.test('rune-based indexing', async (t) => {
  t.equal(call('count', 'héllo😀'), 6)
  t.equal(call('substring', 'a😀bcd', 1, 2), '😀b')
  t.equal(call('substring', 'abc', 1, -1), 'bc')
  t.equal(call('substring', 'abc', 5, 1), '')
  t.equal(callErr('substring', 'abc', -1, 1), 'eval_builtin_error: substring: negative offset')
  t.equal(call('indexof', '😀abc', 'b'), 2)
  t.same(call('indexof_n', 'dogcatdogcat', 'cat'), [3, 9])
  t.equal(call('strings.reverse', 'a😀b'), 'b😀a')
})

t.test('Go strings semantics', async (t) => {
  t.same(call('split', 'test', ''), ['t', 'e', 's', 't'])
  t.same(call('split', '', ''), [])
  t.equal(call('strings.count', 'cheese', 'e'), 3)
  t.equal(call('strings.count', 'five', ''), 5)
  t.equal(call('trim', '**a*b**', '*'), 'a*b')
  t.equal(call('trim_space', '\u00a0 x \n'), 'x')
  t.equal(call('trim_suffix', 'abc', ''), 'abc')
  t.equal(call('format_int', 15.5, 16), 'f')
  t.equal(call('format_int', -5, 2), '-101')
  t.equal(call('strings.replace_n', { a: 'b', ab: 'X' }, 'abc'), 'bbc')
  t.equal(call('concat', '-', set([str('b'), str('a')])), 'a-b')
})

t.test('any_prefix_match and errors in OPA phrasing', async (t) => {
  t.equal(call('strings.any_prefix_match', ['foo', 'bar'], 'fo'), true)
  t.equal(call('strings.any_suffix_match', 'foobar', ['x', 'bar']), true)
  t.equal(callErr('strings.any_prefix_match', 1, 'a'), 'eval_type_error: strings.any_prefix_match: operand 1 must be one of {string, set, array} but got number')
  t.equal(callErr('strings.any_prefix_match', [1], 'a'), 'eval_type_error: strings.any_prefix_match: operand 1 must be array of strings but got array containing number')
  t.equal(callErr('strings.reverse', 1), 'eval_type_error: reverse: operand 1 must be string but got number')
  t.equal(callErr('strings.replace_n', { a: 1 }, 'x'), 'eval_type_error: strings.replace_n: operand 1 non-string value found in pattern object')
})

t.test('sprintf follows Go fmt over OPA-converted arguments', async (t) => {
  t.equal(call('sprintf', '%s and %d', ['x', 42]), 'x and 42')
  t.equal(call('sprintf', '%v', [[1, 'a']]), '[1, "a"]')
  t.equal(call('sprintf', '%s', [123456789123456789123n]), '123456789123456789123')
  t.equal(call('sprintf', '%s', [5]), '%!s(int=5)')
  t.equal(call('sprintf', '%.2f|%5d|%-3s|', [3.14159, 42, 'a']), '3.14|   42|a  |')
  t.equal(call('sprintf', '%v %v', [1.5, 123456789.5]), '1.5 1.234567895e+08')
  t.equal(call('sprintf', '%x %X %o %b', [255, 255, 8, 5]), 'ff FF 10 101')
  t.equal(call('sprintf', '%d %d', [1]), '1 %!d(MISSING)')
  t.equal(call('sprintf', '%v', arr([set([])])), 'set()')
  t.equal(call('sprintf', '%q', ['hi']), '"hi"')
})

t.test('render_template', async (t) => {
  t.equal(call('strings.render_template', '{{range $i, $n := .names}}{{if $i}},{{end}}hi {{$n}}{{end}}', { names: ['a', 'b'] }), 'hi a,hi b')
  t.equal(call('strings.render_template', '{{.missing}} {{.n}}', { n: 2023 }), '<undefined> 2023')
})

t.test('case mapping and replace follow Go', async (t) => {
  t.equal(call('upper', 'straße'), 'STRAßE')
  t.equal(call('lower', 'ÀB'), 'àb')
  t.equal(call('replace', 'abc', '', '-'), '-a-b-c-')
  t.equal(call('replace', 'aaa', 'a', 'b'), 'bbb')
})

t.test('sprintf bounds what one verb can allocate', async (t) => {
  t.equal(callErr('sprintf', '%999999999d', [1]), 'eval_builtin_error: sprintf: width or precision over 65536')
  t.equal((call('sprintf', '%.120f', [0.5]) as string).length, 122)
})
