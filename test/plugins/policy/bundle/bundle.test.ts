import t from 'tap'
import { gunzipSync, gzipSync } from 'node:zlib'
import { readBundle, writeBundle, writeBundleTar, type BundleInput } from '../../../../plugins/policy/bundle/bundle.ts'
import { readTar, writeTar } from '../../../../plugins/policy/bundle/tar.ts'

const input: BundleInput = {
  revision: 'rev-1',
  roots: ['authz', 'shared/lists'],
  metadata: { built_by: 'dyad' },
  modules: [
    { path: 'authz/main', raw: 'package authz\n\ndefault allow := false\n' },
    { path: '/authz/admin.rego', raw: 'package authz.admin\n\nallow if "admin" in input.roles\n' },
  ],
  data: { authz: { roles: ['admin', 'viewer'] }, shared: { lists: { blocked: [] } } },
}

/** A bundle from raw files, for layouts writeBundle would never produce. */
const gzTar = async (files: Record<string, string>) =>
  gzipSync(await writeTar(Object.entries(files).map(([name, content]) => ({ name, data: Buffer.from(content) }))))

t.test('writeBundle → readBundle round trip', async (t) => {
  t.same(await readBundle(await writeBundle(input)), {
    manifest: { revision: 'rev-1', roots: ['authz', 'shared/lists'], regoVersion: 1, metadata: { built_by: 'dyad' } },
    modules: [
      { path: 'authz/admin.rego', raw: input.modules[1].raw },
      { path: 'authz/main.rego', raw: input.modules[0].raw },
    ],
    data: input.data,
    unsupported: [],
  })
})

t.test('the written layout is what an OPA agent expects', async (t) => {
  const entries = await readTar(gunzipSync(await writeBundle(input)))
  t.same(entries.map((e) => e.name), ['/.manifest', '/authz/admin.rego', '/authz/main.rego', '/data.json'])
  t.same(JSON.parse(entries[0].data.toString()), { revision: 'rev-1', roots: ['authz', 'shared/lists'], rego_version: 1, metadata: { built_by: 'dyad' } })
  t.same((await readBundle(await writeBundle({ revision: '', modules: [], data: {} }))).manifest.roots, [''], 'roots default to the whole tree')
})

t.test('equal input gives identical bytes', async (t) => {
  const a = await writeBundle(input)
  // Same content built in a different order: keys inserted differently, modules listed differently.
  const reordered: BundleInput = {
    ...input,
    modules: [...input.modules].reverse(),
    data: { shared: { lists: { blocked: [] } }, authz: { roles: ['admin', 'viewer'] } },
  }
  t.ok(a.equals(await writeBundle(reordered)))
  t.ok((await writeBundleTar(input)).equals(await writeBundleTar(reordered)))
  t.notOk(a.equals(await writeBundle({ ...input, revision: 'rev-2' })), 'a new revision changes the bytes')
  t.same([...a.subarray(4, 8)], [0, 0, 0, 0], 'gzip mtime is zero')
  t.equal(a[9], 255, 'gzip OS byte is pinned')
})

t.test('data files merge by directory', async (t) => {
  const b = await readBundle(await gzTar({
    '/data.json': '{"a": {"top": 1}, "other": "x"}',
    '/a/b/data.json': '{"x": 1}',
    './a/b/c/data.json': '{"y": true}',
    'a/n/data.json': '5', // a non-object is fine below the root
    '/a/yaml/data.yaml': 'list:\n  - 1\n  - two\nwhen: 2024-01-01\n',
    '/a/yml/data.yml': 'k: v\n',
  }))
  t.same(b.data, {
    a: { top: 1, b: { x: 1, c: { y: true } }, n: 5, yaml: { list: [1, 'two'], when: '2024-01-01' }, yml: { k: 'v' } },
    other: 'x',
  })
})

t.test('defaults, signatures and unrelated files', async (t) => {
  const b = await readBundle(await gzTar({
    '/.signatures.json': '{"signatures": ["eyJ..."]}',
    '/README.md': '# not policy',
    '/policy/x.rego': 'package policy.x\n',
    '/policy/.manifest': 'not the bundle manifest, only the root one counts',
  }))
  t.same(b.manifest, { revision: '', roots: [''] })
  t.same(b.unsupported, ['.signatures.json'], 'signatures are reported, not verified')
  t.same(b.modules.map((m) => m.path), ['policy/x.rego'])
  t.same(b.data, {})
})

t.test('roots are checked segment by segment', async (t) => {
  const manifest = JSON.stringify({ roots: ['a/b', 'c'] })
  const b = await readBundle(await gzTar({
    '/.manifest': manifest,
    '/a/b/data.json': '{"x": 1}',
    '/data.json': '{"a": {"b": {"y": 2}}, "c": 3}', // 'a' is a container on the way to a root
    '/m.rego': '# header comment\n\npackage a.b["with.dot"].q # trailing\n',
    '/n.rego': 'package c\n',
  }))
  t.same(b.data, { a: { b: { x: 1, y: 2 } }, c: 3 })
  t.same(b.manifest.roots, ['a/b', 'c'])
})
