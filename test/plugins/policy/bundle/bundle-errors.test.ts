/** Every bad input ends as a BundleError with a stable code and an actionable message, never a crash. */
import t from 'tap'
import { gzipSync } from 'node:zlib'
import { readBundle, writeBundle } from '../../../../plugins/policy/bundle/bundle.ts'
import { BundleError } from '../../../../plugins/policy/bundle/errors.ts'
import { writeTar } from '../../../../plugins/policy/bundle/tar.ts'
import { bundleErrorOf } from './helpers.ts'

const tarOf = (files: Record<string, string | Buffer>) =>
  writeTar(Object.entries(files).map(([name, content]) => ({ name, data: Buffer.isBuffer(content) ? content : Buffer.from(content) })))
const gzTar = async (files: Record<string, string | Buffer>) => gzipSync(await tarOf(files))
const read = (files: Record<string, string | Buffer>) => async () => readBundle(await gzTar(files))

t.test('BUNDLE_INVALID_GZIP', async (t) => {
  t.match(await bundleErrorOf(() => readBundle(Buffer.from('definitely not a bundle'))), { code: 'BUNDLE_INVALID_GZIP', message: /not gzip/ })
  const plainTar = await tarOf({ 'a.rego': 'package a' })
  t.match(await bundleErrorOf(() => readBundle(plainTar)), { code: 'BUNDLE_INVALID_GZIP', message: /uncompressed tar; gzip it/ })
  const gz = await gzTar({ 'a.rego': 'package a\n'.repeat(200) })
  t.match(await bundleErrorOf(() => readBundle(gz.subarray(0, gz.length - 20))), { code: 'BUNDLE_INVALID_GZIP', message: /corrupt or truncated/ })
})

t.test('BUNDLE_INVALID_TAR', async (t) => {
  const tar = await tarOf({ '/a.rego': `package a\n${'# filler\n'.repeat(200)}` })
  t.match(await bundleErrorOf(() => readBundle(gzipSync(tar.subarray(0, 1024)))), { code: 'BUNDLE_INVALID_TAR', message: /truncated/ })
  const bad = Buffer.from(tar)
  bad[1] = 'X'.charCodeAt(0) // the name changes, the stored checksum does not
  t.match(await bundleErrorOf(() => readBundle(gzipSync(bad))), { code: 'BUNDLE_INVALID_TAR', message: /Invalid tar header/ })
})

t.test('BUNDLE_TOO_LARGE', async (t) => {
  // A zip bomb: 20 MiB of zeros compress to about 20 KiB.
  const bomb = await gzTar({ 'data.json': Buffer.alloc(20 * 1024 * 1024, 0x20) })
  t.ok(bomb.length < 100_000)
  t.match(await bundleErrorOf(() => readBundle(bomb, { maxBytes: 1024 * 1024 })), { code: 'BUNDLE_TOO_LARGE', message: /more than 1048576 bytes/ })
  // The default cap applies without options: 80 MiB inflated is past the 64 MiB default.
  t.match(await bundleErrorOf(() => readBundle(gzipSync(Buffer.alloc(80 * 1024 * 1024)))), { code: 'BUNDLE_TOO_LARGE' })
  const many = await gzTar(Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`m${i}.rego`, `package m${i}`])))
  t.equal((await readBundle(many, { maxFiles: 5 })).modules.length, 5)
  t.match(await bundleErrorOf(() => readBundle(many, { maxFiles: 4 })), { code: 'BUNDLE_TOO_LARGE', message: /more than 4 entries/ })
})

t.test('BUNDLE_INVALID_MANIFEST', async (t) => {
  const manifest = (text: string) => bundleErrorOf(read({ '/.manifest': text }))
  t.match(await manifest('{"revision": '), { code: 'BUNDLE_INVALID_MANIFEST', message: /not valid JSON/ })
  t.match(await manifest('["a"]'), { code: 'BUNDLE_INVALID_MANIFEST', message: /JSON object/ })
  t.match(await manifest('{"revision": 7}'), { code: 'BUNDLE_INVALID_MANIFEST', message: /"revision" must be a string/ })
  t.match(await manifest('{"roots": "a"}'), { code: 'BUNDLE_INVALID_MANIFEST', message: /"roots" must be an array/ })
  t.match(await manifest('{"roots": []}'), { code: 'BUNDLE_INVALID_MANIFEST', message: /empty/ })
  t.match(await manifest('{"roots": ["a", "a/b"]}'), { code: 'BUNDLE_INVALID_MANIFEST', message: /'a' and 'a\/b' overlap/ })
  t.match(await manifest('{"roots": ["", "a"]}'), { code: 'BUNDLE_INVALID_MANIFEST', message: /overlap/ }, "'' owns everything")
  t.match(await manifest('{"roots": ["a/b", "a"]}'), { code: 'BUNDLE_INVALID_MANIFEST', message: /overlap/ })
  t.match(await manifest('{"metadata": []}'), { code: 'BUNDLE_INVALID_MANIFEST' })
  t.match(await manifest('{"rego_version": 2}'), { code: 'BUNDLE_INVALID_MANIFEST' })
})

t.test('BUNDLE_INVALID_DATA', async (t) => {
  t.match(await bundleErrorOf(read({ '/a/data.json': '{"x": }' })), { code: 'BUNDLE_INVALID_DATA', message: /a\/data\.json is not valid JSON/ })
  t.match(await bundleErrorOf(read({ '/data.json': '[1, 2]' })), { code: 'BUNDLE_INVALID_DATA', message: /must hold a JSON object/ })
  t.match(await bundleErrorOf(read({ '/a/data.yaml': 'a: [1, 2\n' })), { code: 'BUNDLE_INVALID_DATA', message: /not valid YAML/ })
  t.match(await bundleErrorOf(read({ '/a/data.yaml': 'blob: !!binary aGk=\n' })), { code: 'BUNDLE_INVALID_DATA', message: /'\/blob' has no JSON equivalent/ })
  t.match(await bundleErrorOf(() => writeBundle({ revision: '', modules: [], data: [] as unknown as Record<string, unknown> })), { code: 'BUNDLE_INVALID_DATA' })
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.match(await bundleErrorOf(() => writeBundle({ revision: '', modules: [], data: cyclic })), { code: 'BUNDLE_INVALID_DATA', message: /cycles/ })
})

t.test('hostile nesting depth is refused or handled without recursion', async (t) => {
  // Without the depth guard the second document aborts the whole test process (see data-file.ts).
  for (const doc of ['['.repeat(5000) + ']'.repeat(5000), '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)]) {
    t.match(await bundleErrorOf(read({ '/a/data.yaml': doc })), { code: 'BUNDLE_INVALID_DATA', message: /more than 100 levels/ })
  }
  const deep = (n: number, leaf: string) => '{"a":'.repeat(n) + leaf + '}'.repeat(n)
  const b = await readBundle(await gzTar({ '/data.json': deep(50_000, '{"x":1}'), '/a/data.json': deep(49_999, '{"y":2}') }))
  let node = b.data as Record<string, unknown>
  for (let i = 0; i < 50_000; i++) node = node.a as Record<string, unknown>
  t.same(node, { x: 1, y: 2 }, 'JSON data merges at any depth')
  t.match(await bundleErrorOf(read({ '/data.json': deep(50_000, '{"x":1}'), '/a/data.json': deep(49_999, '{"x":2}') })), { code: 'BUNDLE_DATA_CONFLICT' })
})

t.test('BUNDLE_DATA_CONFLICT', async (t) => {
  t.match(await bundleErrorOf(read({ '/data.json': '{"a": {"x": 1}}', '/a/data.json': '{"x": 2}' })), { code: 'BUNDLE_DATA_CONFLICT', message: /data\.a\.x/ })
  t.match(await bundleErrorOf(read({ '/a/data.json': '{"b": 1}', '/a/b/data.json': '{"c": 2}' })), { code: 'BUNDLE_DATA_CONFLICT', message: /data\.a\.b/ })
  t.match(await bundleErrorOf(read({ '/a/data.json': '{"k": 1}', '/a/data.yaml': 'k: 1\n' })), { code: 'BUNDLE_DATA_CONFLICT' }, 'even equal values')
})

t.test('BUNDLE_ROOT_VIOLATION', async (t) => {
  const withRoots = (roots: string[], files: Record<string, string>) => bundleErrorOf(read({ '/.manifest': JSON.stringify({ roots }), ...files }))
  t.match(await withRoots(['a'], { '/x.rego': 'package b.x' }), { code: 'BUNDLE_ROOT_VIOLATION', message: /package b\.x, outside the manifest roots \["a"\]/ })
  t.match(await withRoots(['a'], { '/x.rego': 'package ab' }), { code: 'BUNDLE_ROOT_VIOLATION' }, 'roots match whole segments')
  t.match(await withRoots(['a'], { '/x.rego': 'allow := true' }), { code: 'BUNDLE_ROOT_VIOLATION', message: /no readable 'package' line/ })
  t.match(await withRoots(['a'], { '/b/data.json': '{}' }), { code: 'BUNDLE_ROOT_VIOLATION', message: /'\/b'/ })
  t.match(await withRoots(['a/b'], { '/a/data.json': '{"c": 1}' }), { code: 'BUNDLE_ROOT_VIOLATION', message: /'\/a\/c'/ })
  t.match(await withRoots(['a/b'], { '/data.json': '{"a": 5}' }), { code: 'BUNDLE_ROOT_VIOLATION', message: /'\/a'/ })
  t.match(await bundleErrorOf(() => writeBundle({ revision: '', roots: ['a'], modules: [{ path: 'p', raw: 'package p' }], data: {} })), { code: 'BUNDLE_ROOT_VIOLATION' }, 'the writer refuses what the reader would')
  t.match(await bundleErrorOf(() => writeBundle({ revision: '', roots: ['a'], modules: [], data: { b: 1 } })), { code: 'BUNDLE_ROOT_VIOLATION' })
})

t.test('BUNDLE_UNSUPPORTED', async (t) => {
  t.match(await bundleErrorOf(read({ '/policy.wasm': 'wasm' })), { code: 'BUNDLE_UNSUPPORTED', message: /Wasm and plan bundles/ })
  t.match(await bundleErrorOf(read({ '/plan.json': '{}' })), { code: 'BUNDLE_UNSUPPORTED' })
  t.match(await bundleErrorOf(read({ '/.manifest': '{"wasm": [{"entrypoint": "a/allow", "module": "/policy.wasm"}]}' })), { code: 'BUNDLE_UNSUPPORTED' })
})

t.test('BUNDLE_INVALID_PATH', async (t) => {
  t.match(await bundleErrorOf(read({ '../evil.rego': 'package evil' })), { code: 'BUNDLE_INVALID_PATH', message: /'\.\.' segment/ })
  t.match(await bundleErrorOf(read({ '/a/../../data.json': '{}' })), { code: 'BUNDLE_INVALID_PATH' })
  t.match(await bundleErrorOf(read({ '/a.rego': 'package a', './a.rego': 'package a' })), { code: 'BUNDLE_INVALID_PATH', message: /appears twice/ })
  t.match(await bundleErrorOf(() => writeBundle({ revision: '', modules: [{ path: '../x', raw: 'package x' }], data: {} })), { code: 'BUNDLE_INVALID_PATH' })
  t.match(await bundleErrorOf(() => writeBundle({ revision: '', modules: [{ path: 'x', raw: 'package x' }, { path: '/x.rego', raw: 'package x' }], data: {} })), { code: 'BUNDLE_INVALID_PATH', message: /two modules/ })
})

t.test('random corruption never escapes as anything but a BundleError', async (t) => {
  const tar = await tarOf({
    '/.manifest': '{"revision": "r", "roots": ["a"]}',
    '/a/data.json': '{"x": {"y": [1, 2, 3]}}',
    [`/a/${'l'.repeat(150)}/p.rego`]: 'package a.p\n',
  })
  let seed = 42
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
  let failures = 0
  for (let i = 0; i < 500; i++) {
    const mutated = Buffer.from(tar)
    for (let k = 0; k <= rand(4); k++) mutated[rand(mutated.length)] = rand(256)
    try {
      await readBundle(gzipSync(mutated.subarray(0, mutated.length - rand(2) * rand(mutated.length))))
    } catch (err) {
      if (!(err instanceof BundleError)) t.fail(`mutation ${i} threw ${String(err)}`)
      failures++
    }
  }
  t.ok(failures > 0, `${failures} of 500 mutations were refused, all as BundleError`)
})
