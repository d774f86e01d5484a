/**
 * Dyad runs on Node 24 (issue 12), also on a machine whose own Node is older: the test processes
 * and a started server report v24, and an older Node is refused at start with a clear message.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ROOT, startServer, startProcessOn } from '../helpers/process.ts'

t.test('the tests run on Node 24 (tap spawns them with its own runtime)', async (t) => {
  t.match(process.version, /^v24\./)
})

t.test('a started server runs on Node 24 and reports it', async (t) => {
  const server = startServer({ DYAD_DATA_DIR: t.testdir() })
  t.teardown(() => server.child.kill('SIGKILL'))
  const address = await server.ready
  t.match(server.output(), /Runtime: +Node\.js v24\./, 'the start banner names the runtime')
  const ready = await fetch(`${address}/health/ready`)
  t.match(await ready.json(), { runtime: { node: /^v24\./ } }, '/health/ready reports it')
  const metrics = await (await fetch(`${address}/metrics`)).text()
  t.match(metrics, /^nodejs_version_info\{[^}]*version="v24\./m, '/metrics reports it')
  server.child.kill('SIGTERM')
  await server.exited
})

t.test('package.json requires the Node that the `node` dependency installs', async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  t.equal(pkg.engines.node, '>=24')
  t.match(pkg.dependencies.node, /^\^?24\./)
})

/** A `node` on PATH outside node_modules whose major version is below 24, as on our CI machines. */
function olderSystemNode(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const bin = join(dir, 'node')
    if (dir.endsWith('node_modules/.bin') || !existsSync(bin)) continue
    const version = execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' })
    if (Number(version.split('.')[0]) < 24) return bin
  }
  return null
}

const older = olderSystemNode()
t.test('an older Node is refused at start with a clear message', { skip: !older && 'no Node older than 24 on PATH' }, async (t) => {
  const server = startProcessOn(older!, { DYAD_DATA_DIR: t.testdir() })
  t.teardown(() => server.child.kill('SIGKILL'))
  t.same(await server.exited, { code: 2, signal: null })
  t.match(server.output(), /^Dyad needs Node\.js 24 or newer; this is v\d+/m)
  t.notMatch(server.output(), /^\s+at /m, 'no stack trace')
})
