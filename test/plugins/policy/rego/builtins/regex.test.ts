import t from 'tap'
import { call, callErr } from './helpers.ts'

t.test('regex with RE2 semantics', async (t) => {
  t.equal(call('regex.match', '^[a-z]+\\[[0-9]+\\]$', 'foo[1]'), true)
  t.equal(call('regex.is_valid', '(?<n>a'), false)
  t.match(callErr('regex.match', '(', 'x'), /error parsing regexp/)
  t.same(call('regex.find_n', '[abcdef]{2}', 'abacadaeaf', -1), ['ab', 'ac', 'ad', 'ae', 'af'])
  t.same(call('regex.find_all_string_submatch_n', '[^aouiye]([aouiye])([^aouiye])?', 'somestri', -1), [['som', 'o', 'm'], ['ri', 'i', '']])
  t.same(call('regex.split', '^[a-z]+', 'foobar baz'), ['', ' baz'])
  t.same(call('regex.split', 'z+', 'pizza'), ['pi', 'a'])
  t.equal(call('regex.replace', 'foo', '(foo)', '$1$1'), 'foofoo')
  t.equal(call('regex.replace', 'foo barx', '[a-z]{2}', '_'), '_o __')
  t.equal(call('regex.template_match', 'urn:foo:{.*}', 'urn:foo:bar:baz', '{', '}'), true)
})

t.test('regex.globs_match intersects the two languages', async (t) => {
  t.equal(call('regex.globs_match', 'b.*', 'b[0-9]+'), true)
  t.equal(call('regex.globs_match', '[a-z]+', '[0-9]*'), false)
  t.equal(call('regex.globs_match', '[a-z]*', '[0-9]*'), true)
  t.equal(call('regex.globs_match', '[a-z]+', '[0-9]+'), false)
  t.equal(call('regex.globs_match', '[a-z]+\\[[0-9]+\\]', 'foo\\[1\\]'), true)
})

t.test('glob.match', async (t) => {
  t.equal(call('glob.match', '*.github.com', ['.'], 'api.github.com'), true)
  t.equal(call('glob.match', 'api.**.com', ['.'], 'api.cdn.github.com'), true)
  t.equal(call('glob.match', '*', [], 'foo.bar'), false)
  t.equal(call('glob.match', '*', null, 'foo.bar'), true)
  t.equal(call('glob.match', '{cat,bat,[fr]at}', [], 'rat'), true)
  t.equal(call('glob.match', '[!abc]at', [], 'cat'), false)
  t.equal(call('glob.quote_meta', '*.github.com'), '\\*.github.com')
})

t.test('globs compile to RE2, so many stars stay linear', async (t) => {
  t.equal(call('glob.match', '*a*a*a*a*a*a*a*a*b', [], 'a'.repeat(5000)), false)
})
