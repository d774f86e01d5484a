import t from 'tap'
import { arr, num, set, str } from '../../../../../plugins/policy/rego/value.ts'
import { call, callErr } from './helpers.ts'

t.test('base64 decodes like Go, including error offsets', async (t) => {
  t.equal(call('base64.decode', 'aGVsbG8='), 'hello')
  t.equal(callErr('base64.decode', 'aGVsbG8'), 'eval_builtin_error: base64.decode: illegal base64 data at input byte 4')
  t.equal(call('base64.is_valid', 'a==='), false)
  t.equal(call('base64url.decode', 'aGVsbG8'), 'hello')
  t.equal(call('base64url.encode_no_pad', 'hi?'), 'aGk_')
  // invalid UTF-8 bytes become one U+FFFD each, so count() agrees with OPA
  t.equal(call('count', call('base64.decode', '/w==') as string), 1)
})

t.test('hex and urlquery', async (t) => {
  t.equal(call('hex.encode', 'hi'), '6869')
  t.equal(callErr('hex.decode', 'fghijkl'), "eval_builtin_error: hex.decode: encoding/hex: invalid byte: U+0067 'g'")
  t.equal(call('urlquery.encode', 'a b&c'), 'a+b%26c')
  t.equal(call('urlquery.decode', 'a+b%26c'), 'a b&c')
  t.equal(call('urlquery.encode_object', { b: ['2', '1'], a: 'x y' }), 'a=x+y&b=2&b=1')
  t.same(call('urlquery.decode_object', 'a=1&a=2&b='), { a: ['1', '2'], b: [''] })
})

t.test('json built-ins', async (t) => {
  t.equal(call('json.marshal', { b: [1, 2], a: '<x>' }), '{"a":"\\u003cx\\u003e","b":[1,2]}')
  t.equal(call('json.marshal_with_options', [1], { indent: '  ' }), '[\n  1\n]')
  t.equal(callErr('json.marshal_with_options', [], { nope: true }), 'eval_type_error: json.marshal_with_options: operand 2 object contained unknown key "nope"')
  t.same(call('json.unmarshal', '{"n": 18446744073709551614}'), { n: 18446744073709551614n })
  t.equal(call('json.is_valid', '{'), false)
  t.same(call('json.filter', { a: { b: 1, c: 2 }, d: [{ e: 1 }, 2] }, ['a/b', 'd/0']), { a: { b: 1 }, d: [{ e: 1 }] })
  t.same(call('json.remove', { a: { b: 1, c: 2 }, e: 9 }, set([str('a/b'), arr([str('e')])])), { a: { c: 2 } })
  t.equal(callErr('json.remove', {}, [1]), 'eval_type_error: json.remove: operand 2 must be one of {set, array} containing string paths or array of path segments but got number')
  t.same(call('json.patch', { a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }, { op: 'replace', path: 'b', value: 1 }]), undefined)
  t.same(call('json.patch', { a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }, { op: 'copy', from: '/a', path: '/b' }]), { a: [1, 2], b: [1, 2] })
})

t.test('yaml', async (t) => {
  t.same(call('yaml.unmarshal', 'a: [1, 2]\nb: x'), { a: [1, 2], b: 'x' })
  t.equal(call('yaml.marshal', { foo: [1] }), 'foo:\n- 1\n')
  t.match(callErr('yaml.unmarshal', '[1,2,3'), /yaml: line 1: did not find expected ',' or ']'/)
})

t.test('units keep exact decimals', async (t) => {
  t.equal(call('units.parse', '0.0000005M'), 0.5)
  t.equal(call('units.parse', '1.1Ki'), 1126.4)
  t.equal(call('units.parse_bytes', '10eib'), 11529215046068469760n)
  t.equal(call('units.parse_bytes', '1.1KiB'), 1126)
  t.equal(call('units.parse', '100m'), 0.1)
  t.equal(callErr('units.parse', '0.0.0'), 'eval_builtin_error: units.parse: could not parse amount to a number')
  t.equal(callErr('units.parse_bytes', '100 kb'), 'eval_builtin_error: units.parse_bytes: spaces not allowed in resource strings')
})

t.test('types and casts', async (t) => {
  t.equal(call('is_number', null), false)
  t.equal(call('type_name', set([num(1)])), 'set')
  t.equal(call('to_number', '-42.0'), -42)
  t.equal(call('to_number', '18446744073709551614'), 18446744073709551614n)
  t.equal(callErr('to_number', 'nan'), 'eval_type_error: to_number: operand 1 must be a finite number but got "nan"')
  t.equal(callErr('to_number', 'x'), 'eval_builtin_error: to_number: strconv.ParseFloat: parsing "x": invalid syntax')
})

t.test('json.unmarshal errors in Go wording', async (t) => {
  t.equal(callErr('json.unmarshal', '{'), 'eval_builtin_error: json.unmarshal: unexpected end of JSON input')
  t.equal(callErr('json.unmarshal', 'x'), "eval_builtin_error: json.unmarshal: invalid character 'x' looking for beginning of value")
  t.equal(callErr('json.unmarshal', '{"a" 1}'), "eval_builtin_error: json.unmarshal: invalid character '1' after object key")
  t.equal(callErr('json.unmarshal', '[1] x'), "eval_builtin_error: json.unmarshal: invalid character 'x' after top-level value")
})
