/**
 * The etcd adapter's retry policy, against a server that accepts TCP connections and never answers
 * (so every call runs into its deadline, an error etcd3 would retry by default): writes fail after
 * one attempt, because a retried write may apply twice; reads are retried. Needs no etcd.
 */
import { createServer, type Socket } from 'node:net'
import t from 'tap'
import { createEtcdKv } from '../../../src/infra/kv/etcd.ts'

const sockets = new Set<Socket>()
const blackhole = createServer((s) => {
  sockets.add(s)
  s.on('close', () => sockets.delete(s))
})
await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve))
const { port } = blackhole.address() as { port: number }
t.teardown(() => {
  for (const s of sockets) s.destroy()
  blackhole.close()
})

const timeout = 300
const store = () => createEtcdKv({ endpoints: [`http://127.0.0.1:${port}`], namespace: 'x/', callTimeoutMs: timeout })

async function timed(fn: () => Promise<unknown>): Promise<{ err: unknown; ms: number }> {
  const started = Date.now()
  const err = await fn().then(
    () => undefined,
    (e: unknown) => e,
  )
  return { err, ms: Date.now() - started }
}

t.test('a write that times out is not retried and says its outcome is unknown', async (t) => {
  const kv = store()
  t.teardown(() => kv.close())
  const { err, ms } = await timed(() => kv.put('k', 'v'))
  t.match(err, { code: 'KV_UNAVAILABLE', message: /may or may not have been applied/ })
  t.ok(ms >= timeout && ms < 2 * timeout, `one attempt (${ms} ms)`)
  const txn = await timed(() => kv.txn([], [{ type: 'put', key: 'k', value: 'v' }]))
  t.match(txn.err, { code: 'KV_UNAVAILABLE' })
  t.ok(txn.ms < 2 * timeout, `txn: one attempt (${txn.ms} ms)`)
})

t.test('a read that times out is retried once', async (t) => {
  const kv = store()
  t.teardown(() => kv.close())
  const { err, ms } = await timed(() => kv.get('k'))
  t.match(err, { code: 'KV_UNAVAILABLE', message: /unavailable/ })
  t.ok(ms >= 2 * timeout, `two attempts (${ms} ms)`)
})
