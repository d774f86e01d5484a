import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const cases = `cases:
  - note: demo/pass
    query: data.test.p = x
    modules: ["package test\\np := 1\\n"]
    want_result: [{x: 1}]
  - note: demo/fail
    query: data.test.p = x
    modules: ["package test\\np := 1\\n"]
    want_result: [{x: 2}]
`

t.test('runner prints per-folder counts, the SUITE line, and enforces the floor', async (t) => {
  // Named v1 so the real floor (far above 1) applies.
  const root = join(mkdtempSync(join(tmpdir(), 'rego-conf-')), 'v1')
  mkdirSync(join(root, 'demo'), { recursive: true })
  writeFileSync(join(root, 'demo', 'cases.yaml'), cases)
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'plugins/policy/conformance/run.ts', root, ...args], { encoding: 'utf8', cwd: process.cwd() })
  const plain = run()
  t.equal(plain.status, 0)
  t.match(plain.stdout, /demo\s+1\/2/)
  t.match(plain.stdout, /^SUITE opa-conformance: 1 passed, 1 failed$/m)
  const json = JSON.parse(run('--json', '--filter', 'pass').stdout) as { passed: number; failed: number }
  t.same([json.passed, json.failed], [1, 0])
  t.equal(run('--check-floor').status, 1)
})
