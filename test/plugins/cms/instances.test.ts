/**
 * The instances view across DCs: two processes on one real etcd, a client reading through each;
 * either process lists both clients with the release each holds and who served it, and a client
 * that moves to a new release shows it.
 */
import t from 'tap'
import { etcdEndpoints, isSkip, uniqueName } from '../../helpers/servers.ts'
import { declareNamespace, publish, startApp, until } from './client-harness.ts'
import { createTeam, nsUrl } from './setup.ts'

const endpoints = etcdEndpoints()
const P = 'inst'

interface Item {
  id: string
  releaseKey: string
  servedBy: string
}

t.test('either DC lists the clients both DCs served', { skip: isSkip(endpoints) ? endpoints.skip : false }, async (t) => {
  const kv = { DYAD_KV: 'etcd', DYAD_ETCD_ENDPOINTS: (endpoints as string[]).join(','), DYAD_ETCD_NAMESPACE: `${uniqueName('cmsinst')}/` }
  const a = await startApp(t, { ...kv, DYAD_DC: 'dc1' })
  const b = await startApp(t, { ...kv, DYAD_DC: 'dc2' })
  const teamA = await createTeam(a.app, P)
  const teamB = await createTeam(b.app, P)
  await declareNamespace(a.app, teamA.alice, P, 'shop', 'prod', 'application')
  const r1 = await publish(a.app, teamA.bob, P, 'shop', 'prod', 'application', 'a=1\n')
  const ns = nsUrl(P, 'shop', 'prod', 'application')

  const read = async (app: typeof a, headers: Record<string, string>, clientId: string) => {
    const res = await app.app.inject({ url: `${ns}/config?clientId=${clientId}&labels=zone=z1`, headers })
    return res.json() as { releaseKey?: string }
  }
  t.equal((await read(a, teamA.bob, 'pod-a')).releaseKey, r1.key)
  await until('B to serve release 1', async () => ((await read(b, teamB.bob, 'pod-b')).releaseKey === r1.key) || undefined)

  const list = async (app: typeof a, headers: Record<string, string>) => {
    const res = await app.app.inject({ url: `${ns}/instances`, headers })
    t.equal(res.statusCode, 200)
    return res.json() as { items: Item[]; partial: boolean }
  }
  const both = (items: Item[], key: string) => ['pod-a', 'pod-b'].every((id) => items.some((i) => i.id === id && i.releaseKey === key))

  const fromA = await until('A to list both clients', async () => {
    const l = await list(a, teamA.alice)
    return both(l.items, r1.key) ? l : undefined
  }, 20_000, 250)
  t.equal(fromA.partial, false)
  t.match(fromA.items.find((i) => i.id === 'pod-b'), { servedBy: /^dc2\// }, 'pod-b was served by dc2')
  t.match(fromA.items.find((i) => i.id === 'pod-a'), { servedBy: /^dc1\// }, 'pod-a by dc1')
  t.equal(fromA.items.filter((i) => i.id === 'pod-a').length, 1, 'one entry per client')
  await until('B to list both clients', async () => both((await list(b, teamB.alice)).items, r1.key) || undefined, 20_000, 250)

  const r2 = await publish(a.app, teamA.bob, P, 'shop', 'prod', 'application', 'a=2\n')
  await until('B to serve release 2', async () => ((await read(b, teamB.bob, 'pod-b')).releaseKey === r2.key) || undefined)
  await until('A to see pod-b on release 2', async () => (await list(a, teamA.alice)).items.some((i) => i.id === 'pod-b' && i.releaseKey === r2.key) || undefined, 20_000, 250)
  t.pass('a client moving to a new release in the other DC shows up here')
})
