/**
 * The etcd watch across a broken connection: the watching client talks to etcd through a TCP proxy
 * the test can cut, while a second client keeps writing directly. After the link returns the watch
 * must deliver every change exactly once, in order; if the history it needs was compacted meanwhile,
 * it must say KV_COMPACTED instead of silently skipping.
 */
import { connect, createServer, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { Etcd3 } from 'etcd3'
import type { KvWatchEvent } from '../../../src/infra/ports/kv.ts'
import { createEtcdKv } from '../../../src/infra/kv/etcd.ts'
import { etcdEndpoints, isSkip, uniqueName } from '../../helpers/servers.ts'

/** A cuttable TCP proxy to `target` (host:port). */
async function cuttableProxy(target: URL) {
  const sockets = new Set<Socket>()
  let open = true
  const server = createServer((down) => {
    if (!open) return void down.destroy()
    const up = connect(Number(target.port), target.hostname)
    for (const s of [down, up]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    down.pipe(up).pipe(down)
    down.on('close', () => up.destroy())
    up.on('close', () => down.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    cut() {
      open = false
      for (const s of sockets) s.destroy()
    },
    restore() {
      open = true
    },
    close() {
      this.cut()
      server.close()
    },
  }
}

async function eventually(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const endpoints = etcdEndpoints()
if (isSkip(endpoints)) {
  t.plan(0, endpoints.skip)
} else {
  const namespace = `${uniqueName('kvreconnect')}/`
  const direct = createEtcdKv({ endpoints, namespace })
  const admin = new Etcd3({ hosts: endpoints })
  t.teardown(async () => {
    await direct.deletePrefix('')
    await direct.close()
    admin.close()
  })

  const setup = async (t: Test, prefix: string) => {
    const proxy = await cuttableProxy(new URL(endpoints[0]))
    const viaProxy = createEtcdKv({ endpoints: [proxy.url], namespace, callTimeoutMs: 2_000 })
    const events: KvWatchEvent[] = []
    const errors: Error[] = []
    const watch = await viaProxy.watch(prefix, (e) => events.push(e), { onError: (e) => errors.push(e) })
    t.teardown(async () => {
      await watch.cancel()
      await viaProxy.close()
      proxy.close()
    })
    return { proxy, events, errors }
  }

  t.test('a watch resumes after the link breaks, missing and repeating nothing', async (t) => {
    const { proxy, events, errors } = await setup(t, 'r/')
    await direct.put('r/a', '1')
    await eventually(() => events.length === 1, 5_000, 'the first event')
    proxy.cut()
    await eventually(() => errors.length > 0, 5_000, 'the disconnect to be reported')
    t.match(errors[0], { code: 'KV_UNAVAILABLE' })
    const revs = [(await direct.put('r/b', '2')).revision, (await direct.put('r/c', '3')).revision, (await direct.delete('r/a')).revision]
    proxy.restore()
    await eventually(() => events.length >= 4, 20_000, 'the missed events after reconnecting')
    await direct.put('r/d', '4')
    await eventually(() => events.length >= 5, 5_000, 'a live event after reconnecting')
    t.same(
      events.map((e) => `${e.type} ${e.key}`),
      ['put r/a', 'put r/b', 'put r/c', 'delete r/a', 'put r/d'],
    )
    t.same(events.slice(1, 4).map((e) => e.modRevision), revs)
  })

  t.test('a watch whose history was compacted while disconnected reports KV_COMPACTED', async (t) => {
    const { proxy, events, errors } = await setup(t, 'c/')
    await direct.put('c/a', '1')
    await eventually(() => events.length === 1, 5_000, 'the first event')
    proxy.cut()
    await direct.put('c/a', '2')
    const { revision } = await direct.put('c/a', '3')
    // Cluster-wide, but only drops history older than this test's own last write.
    await admin.kv.compact({ revision, physical: true })
    proxy.restore()
    await eventually(() => errors.some((e) => (e as { code?: string }).code === 'KV_COMPACTED'), 20_000, 'KV_COMPACTED')
    t.same(events.map((e) => e.value), ['1'], 'nothing from the partial history was delivered')
  })
}
