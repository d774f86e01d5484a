/**
 * Hostile documents: deep nesting, alias bombs, huge key counts. Each must be refused with a
 * `limit` FormatError (not a stack overflow, not a heap blow-up) and quickly. The location of each
 * refusal shows where it happened (at the 65th level, at the 50,001st key: before the rest was
 * read); the time bounds are generous (tests run under coverage, two files at a time) and only
 * catch a parse that reads everything first (seconds to minutes here).
 */
import t, { type Test } from 'tap'
import { DEFAULT_LIMITS, FormatError, flatten, parseDocument, type ConfigFormat, type FormatLimits } from '../../../plugins/cms/formats/index.ts'

function refusedFast(t: Test, format: ConfigFormat, content: string, want: { kind: string; line?: number; column?: number; message: RegExp }, ms: number, limits?: Partial<FormatLimits>) {
  const start = performance.now()
  let e: unknown
  try {
    parseDocument(format, content, limits)
  } catch (err) {
    e = err
  }
  const took = performance.now() - start
  if (!(e instanceof FormatError)) return t.fail(`expected a FormatError, got ${String(e)}`)
  t.strictSame({ kind: e.kind, line: e.line, column: e.column }, { kind: want.kind, line: want.line, column: want.column }, e.message)
  t.match(e.message, want.message)
  t.ok(took < ms, `refused in ${took.toFixed(0)} ms (bound ${ms} ms)`)
}

const N = 100_000

t.test('nesting 100,000 deep is refused at the 65th level', async (t) => {
  refusedFast(t, 'json', '['.repeat(N) + ']'.repeat(N), { kind: 'limit', line: 1, column: 65, message: /more than 64 levels/ }, 2000)
  refusedFast(t, 'json', '{"a":'.repeat(N) + '1' + '}'.repeat(N), { kind: 'limit', line: 1, column: 321, message: /more than 64 levels/ }, 2000)
  refusedFast(t, 'json', '['.repeat(N), { kind: 'limit', line: 1, column: 65, message: /levels/ }, 2000, undefined)
  refusedFast(t, 'yaml', '['.repeat(N) + ']'.repeat(N), { kind: 'limit', line: 1, column: 65, message: /more than 64 levels/ }, 2000)
  refusedFast(t, 'yaml', '{a: '.repeat(N) + '1' + '}'.repeat(N), { kind: 'limit', line: 1, column: 257, message: /levels/ }, 2000)
  refusedFast(t, 'yaml', '- '.repeat(N) + 'x\n', { kind: 'limit', line: 1, column: 129, message: /levels/ }, 2000)
  let block = ''
  for (let i = 0; i < 70; i++) block += `${' '.repeat(i)}k${i}:\n`
  refusedFast(t, 'yaml', block, { kind: 'limit', line: 65, column: 65, message: /levels/ }, 2000)
})

t.test('exactly at the depth limit is accepted; the limit is configurable', async (t) => {
  const at64 = '['.repeat(64) + ']'.repeat(64)
  t.strictSame({ ...parseDocument('json', at64).entries }, { ['[0]'.repeat(63)]: '' })
  t.strictSame({ ...parseDocument('yaml', at64).entries }, { ['[0]'.repeat(63)]: '' })
  refusedFast(t, 'json', '[[[1]]]', { kind: 'limit', line: 1, column: 3, message: /more than 2 levels/ }, 1000, { maxDepth: 2 })
  refusedFast(t, 'yaml', 'a:\n  b:\n    c: 1\n', { kind: 'limit', line: 3, column: 5, message: /more than 2 levels/ }, 1000, { maxDepth: 2 })
})

t.test('a YAML billion-laughs alias bomb is refused', async (t) => {
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i)
    levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(',')}]`)
  }
  refusedFast(t, 'yaml', levels.join('\n') + '\n', { kind: 'limit', line: 2, column: 8, message: /aliases expand too much/ }, 2000)
  // A few aliases of a plain anchor are fine.
  const ok = parseDocument('yaml', 'd: &d {x: 1}\na: *d\nb: *d\n')
  t.strictSame({ ...ok.entries }, { 'd.x': '1', 'a.x': '1', 'b.x': '1' })
  refusedFast(t, 'yaml', 'd: &d {x: 1}\na: *d\nb: *d\n', { kind: 'limit', line: 2, column: 4, message: /more than 1 resolutions/ }, 1000, { maxAliasCount: 1 })
})

t.test('aliases that stay under the alias budget still cannot exceed the key limit', async (t) => {
  const big = Array.from({ length: 1000 }, (_, i) => `k${i}: ${i}`).join(', ')
  const doc = `base: &b {${big}}\n` + Array.from({ length: 20 }, (_, i) => `c${i}: *b`).join('\n')
  refusedFast(t, 'yaml', doc, { kind: 'limit', message: /more than 10000 keys once flattened/ }, 5000, { maxKeys: 10_000 })
  t.equal(Object.keys(parseDocument('yaml', doc).entries).length, 21_000, 'within the default limit it is read')
})

t.test('a million keys is refused at the key limit, quickly', async (t) => {
  const keys = Array.from({ length: 1_000_000 }, (_, i) => i)
  const json = '{' + keys.map((i) => `"k${i}":${i}`).join(',') + '}'
  refusedFast(t, 'json', json, { kind: 'limit', line: 1, column: json.indexOf('"k50000":') + 10, message: /more than 50000 values/ }, 5000)
  refusedFast(t, 'json', '[' + keys.map(() => '0').join(',') + ']', { kind: 'limit', line: 1, column: 100_002, message: /more than 50000/ }, 5000)
  refusedFast(t, 'properties', keys.map((i) => `k${i}=${i}`).join('\n'), { kind: 'limit', line: 50_001, column: 1, message: /more than 50000 keys/ }, 5000)
  refusedFast(t, 'yaml', keys.map((i) => `k${i}: ${i}`).join('\n'), { kind: 'limit', line: 50_001, column: 9, message: /more than 50000 keys/ }, 5000)
  refusedFast(t, 'properties', 'a=1\nb=2\na=3\nc=4', { kind: 'limit', line: 4, column: 1, message: /more than 2 keys/ }, 1000, { maxKeys: 2 })
  t.equal(Object.keys(parseDocument('json', '{' + keys.slice(0, 50_000).map((i) => `"k${i}":${i}`).join(',') + '}').entries).length, 50_000, 'exactly the limit is accepted')
})

t.test('flatten bounds values built elsewhere: cycles and depth', async (t) => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  t.throws(() => flatten('json', cyclic, DEFAULT_LIMITS), { name: 'FormatError', kind: 'limit', message: /more than 64 levels deep \(at "self\.self/ })
  let deep: unknown = 1
  for (let i = 0; i < N; i++) deep = [deep]
  t.throws(() => flatten('json', deep, DEFAULT_LIMITS), { name: 'FormatError', kind: 'limit' })
  t.throws(() => flatten('json', { f: () => 1 }, DEFAULT_LIMITS), { name: 'FormatError', kind: 'unsupported', message: /function is not a JSON value/ })
})
