/**
 * One process per embedded data directory, with real server processes: a second server on a
 * directory in use refuses to start (exit 2, one clear line, no stack trace) and the first keeps
 * serving; after the first is killed with SIGKILL its lock is stale, and the next start takes it
 * over and finds the first one's acknowledged data.
 */
import t from 'tap'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { startServer } from '../helpers/process.ts'

t.test('a second process on the same data dir refuses; a stale lock after SIGKILL is taken over', async (t) => {
  const dataDir = t.testdir()
  const lockFile = join(dataDir, 'pglite.lock')
  const key = 'dyad_locktest00001_' + 'L'.repeat(43)
  const env = { DYAD_DATA_DIR: dataDir, DYAD_BOOTSTRAP_ADMIN_KEY: key }
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }

  const first = startServer(env)
  t.teardown(() => first.child.kill('SIGKILL'))
  const address = await first.ready
  const created = await fetch(`${address}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ id: 'kept', name: 'Kept' }) })
  t.equal(created.status, 201)

  const second = startServer(env)
  t.teardown(() => second.child.kill('SIGKILL'))
  t.same(await second.exited, { code: 2, signal: null }, 'the second process exits 2')
  t.match(second.output(), new RegExp(`^Data directory .* is in use by another Dyad process \\(pid ${first.child.pid}\\)`, 'm'))
  t.notMatch(second.output(), /^\s+at /m, 'a start-up error, not a stack trace')
  t.equal((await fetch(`${address}/v1/projects/kept`, { headers })).status, 200, 'the first process still serves')

  first.child.kill('SIGKILL')
  t.equal((await first.exited).signal, 'SIGKILL')
  t.ok(existsSync(lockFile), 'SIGKILL leaves the lock behind')

  // Recovery after SIGKILL replays PGlite's WAL; allow for it.
  const third = startServer(env, 300_000)
  t.teardown(() => third.child.kill('SIGKILL'))
  const address3 = await third.ready
  t.equal((await fetch(`${address3}/v1/projects/kept`, { headers })).status, 200, 'the stale lock was taken over, data intact')
  third.child.kill('SIGTERM')
  t.same(await third.exited, { code: 0, signal: null })
  t.notOk(existsSync(lockFile), 'a clean stop releases the lock')
})
