/**
 * Compatibility with an independent tar implementation: bundles built by the system's GNU tar in each
 * of its formats must read back exactly, and what writeBundle produces must list and extract with it.
 */
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readBundle, writeBundle } from '../../../../plugins/policy/bundle/bundle.ts'
import { LONG_SEGMENT, hasGnuTar, tar, writeTree } from './helpers.ts'

// USTAR cannot store a path component over 100 bytes, so its long path is long only in total.
const SPLITTABLE = `a/${'s'.repeat(40)}/${'t'.repeat(40)}/${'u'.repeat(40)}/split.rego`

const tree = (longModule: string): Record<string, string> => ({
  '.manifest': JSON.stringify({ revision: 'rev-7', roots: ['a', 'x/y'], rego_version: 1, metadata: { team: 'platform' } }),
  'data.json': '{"a": {"top": true}}',
  'a/b/data.json': '{"x": 1}',
  'x/y/data.json': '{"z": [1, 2]}',
  'a/authz.rego': 'package a.authz\n\nallow if input.user == "admin"\n',
  [longModule]: '# a comment before the package\npackage a.deep\n\np := 1\n',
})

const expected = (longModule: string) => ({
  manifest: { revision: 'rev-7', roots: ['a', 'x/y'], regoVersion: 1, metadata: { team: 'platform' } },
  modules: [
    { path: longModule, raw: tree(longModule)[longModule] },
    { path: 'a/authz.rego', raw: tree(longModule)['a/authz.rego'] },
  ].sort((p, q) => (p.path < q.path ? -1 : 1)),
  data: { a: { top: true, b: { x: 1 } }, x: { y: { z: [1, 2] } } },
  unsupported: [],
})

const cases = [
  { format: 'pax', longModule: `a/${LONG_SEGMENT}/deep.rego` },
  { format: 'gnu', longModule: `a/${LONG_SEGMENT}/deep.rego` },
  { format: 'ustar', longModule: SPLITTABLE },
]

t.test('bundles built by GNU tar are read', { skip: !hasGnuTar && 'GNU tar not installed' }, async (t) => {
  for (const { format, longModule } of cases) {
    t.ok(longModule.length > 100, 'the long path needs more than the 100-byte name field')
    const dir = t.testdir()
    writeTree(join(dir, 'src'), tree(longModule))
    // The plain form names members './a/...'; the transformed one '/a/...', as Go's writer does.
    for (const transform of [[], ['--transform', 's,^\\./,/,']]) {
      const out = join(dir, 'bundle.tar.gz')
      tar(['-czf', out, `--format=${format}`, ...transform, '-C', join(dir, 'src'), '.'])
      t.same(await readBundle(readFileSync(out)), expected(longModule), `${format} ${transform.length ? 'with leading /' : 'with ./'}`)
    }
  }
})

t.test('GNU tar lists and extracts what writeBundle produces', { skip: !hasGnuTar && 'GNU tar not installed' }, async (t) => {
  const dir = t.testdir({ out: {} })
  const modules = [
    { path: 'authz/allow.rego', raw: 'package authz\n\nallow if input.admin\n' },
    { path: `authz/${'p'.repeat(120)}/split.rego`, raw: 'package authz.split\n' }, // USTAR prefix split
    { path: `authz/${LONG_SEGMENT}.rego`, raw: 'package authz.long\n' }, // PAX path record
    { path: 'authz/règles', raw: 'package authz.regles\n' }, // non-ASCII: PAX; '.rego' is appended
  ]
  const data = { authz: { roles: { alice: ['admin'] }, limits: { max: 3 } } }
  const file = join(dir, 'bundle.tar.gz')
  writeFileSync(file, await writeBundle({ revision: 'v42', roots: ['authz'], modules, data }))

  const names = tar(['-tzf', file]).trim().split('\n')
  // Sorted by name: the writer's canonical order.
  t.same(names, ['/.manifest', '/authz/allow.rego', `/authz/${LONG_SEGMENT}.rego`, `/authz/${'p'.repeat(120)}/split.rego`, '/authz/règles.rego', '/data.json'])
  const verbose = tar(['-tvzf', file, '--numeric-owner', '--utc'])
  t.ok(verbose.trim().split('\n').every((l) => /^-rw-r--r-- 0\/0 .* 1970-01-01 00:00 \//.test(l)), 'mode 0644, owner 0/0, epoch mtime')

  tar(['-xzf', file, '-C', join(dir, 'out')])
  t.same(JSON.parse(readFileSync(join(dir, 'out/.manifest'), 'utf8')), { revision: 'v42', roots: ['authz'], rego_version: 1 })
  t.same(JSON.parse(readFileSync(join(dir, 'out/data.json'), 'utf8')), data)
  for (const m of modules) {
    const path = m.path.endsWith('.rego') ? m.path : `${m.path}.rego`
    t.equal(readFileSync(join(dir, 'out', path), 'utf8'), m.raw, path)
  }
})
