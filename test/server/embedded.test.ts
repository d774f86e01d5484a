/**
 * The embedded default as a user runs it: a real process on PGlite under a data directory.
 * Covers the first-start banner, reuse of data on a second start, graceful SIGTERM, refusal of
 * invalid configuration, and crash safety: SIGKILL in the middle of a stream of writes loses no
 * write that was acknowledged.
 */
import t from 'tap'
import { startServer } from '../helpers/process.ts'

t.test('invalid configuration stops the process, naming the setting', async (t) => {
  const proc = startServer({ DYAD_KV: 'etcd', DYAD_DATA_DIR: t.testdir() })
  const { code } = await proc.exited
  t.equal(code, 2)
  t.match(proc.output(), /DYAD_ETCD_ENDPOINTS/)
})

t.test('first start prints a key; restart reuses data; SIGTERM exits cleanly', async (t) => {
  const dataDir = t.testdir()
  const first = startServer({ DYAD_DATA_DIR: dataDir })
  const address = await first.ready
  const key = /DYAD_ADMIN_KEY=(dyad_\S+)/.exec(first.output())?.[1]
  t.ok(key, 'the bootstrap key is printed once')
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  const created = await fetch(`${address}/v1/projects`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'kept', name: 'Kept' }) })
  t.equal(created.status, 201)
  t.equal((await fetch(`${address}/health/ready`)).status, 200)
  first.child.kill('SIGTERM')
  t.same(await first.exited, { code: 0, signal: null }, 'graceful shutdown exits 0')

  const second = startServer({ DYAD_DATA_DIR: dataDir })
  const address2 = await second.ready
  t.notMatch(second.output(), /DYAD_ADMIN_KEY=/, 'no new key on a second start')
  const got = await fetch(`${address2}/v1/projects/kept`, { headers: auth })
  t.equal(got.status, 200, 'data and the admin key survive a restart')
  second.child.kill('SIGTERM')
  await second.exited
})

t.test('SIGKILL mid-write loses no acknowledged write', async (t) => {
  const dataDir = t.testdir()
  const key = 'dyad_crashtest0001_' + 'C'.repeat(43)
  const env = { DYAD_DATA_DIR: dataDir, DYAD_BOOTSTRAP_ADMIN_KEY: key }
  const first = startServer(env)
  const address = await first.ready
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }

  const acknowledged: string[] = []
  let attempted = 0
  let killed = false
  // Four writers in parallel, each creating projects until the process dies (bounded to 400 each).
  const writer = async (w: number) => {
    for (let i = 0; i < 400 && !killed; i++) {
      const id = `w${w}-${i}`
      attempted++
      try {
        const res = await fetch(`${address}/v1/projects`, { method: 'POST', headers, body: JSON.stringify({ id, name: id }) })
        if (res.status === 201) acknowledged.push(id)
      } catch {
        return // connection reset by the kill: this write was never acknowledged
      }
      if (acknowledged.length >= 40 && !killed) {
        killed = true
        first.child.kill('SIGKILL')
      }
    }
  }
  await Promise.all([0, 1, 2, 3].map(writer))
  const { signal } = await first.exited
  t.equal(signal, 'SIGKILL')
  t.ok(acknowledged.length >= 40, `${acknowledged.length} writes acknowledged of ${attempted} attempted before the kill`)

  // Recovery after an unclean stop replays PGlite's WAL; allow for it, but it must finish.
  const second = startServer(env, 300_000)
  const address2 = await second.ready
  const missing: string[] = []
  for (const id of acknowledged) {
    const res = await fetch(`${address2}/v1/projects/${id}`, { headers })
    if (res.status !== 200) missing.push(`${id}:${res.status}`)
  }
  t.same(missing, [], 'every acknowledged project is there after recovery')
  const ready = await fetch(`${address2}/health/ready`)
  t.equal(ready.status, 200)
  second.child.kill('SIGTERM')
  await second.exited
})
