/**
 * A namespace deleted while a process was down is still reported to a watch that resumes (from
 * before the deletion) at that process once it is back: the process compares its last-known-good
 * snapshot with the store at start. Two processes on one real etcd: B deletes while A is stopped.
 */
import t from 'tap'
import { etcdEndpoints, isSkip, uniqueName } from '../../helpers/servers.ts'
import { declareNamespace, listenApp, publish, startApp, until } from './client-harness.ts'
import { createTeam, nsUrl } from './setup.ts'

const endpoints = etcdEndpoints()
const P = 'gone'

t.test('a deletion made while a process was down is replayed by it', { skip: isSkip(endpoints) ? endpoints.skip : false }, async (t) => {
  const kv = { DYAD_KV: 'etcd', DYAD_ETCD_ENDPOINTS: (endpoints as string[]).join(','), DYAD_ETCD_NAMESPACE: `${uniqueName('cmsdel')}/` }
  const a = await startApp(t, { ...kv, DYAD_DC: 'dc1' })
  const b = await startApp(t, { ...kv, DYAD_DC: 'dc2' })
  const teamA = await createTeam(a.app, P)
  const teamB = await createTeam(b.app, P)
  await declareNamespace(a.app, teamA.alice, P, 'shop', 'prod', 'application')
  await publish(a.app, teamA.bob, P, 'shop', 'prod', 'application', 'a=1\n')
  const ns = nsUrl(P, 'shop', 'prod', 'application')
  const held = (await a.app.inject({ url: `${ns}/config`, headers: teamA.bob })).json().revision as number
  await until('B to hold the release', async () => ((await b.app.inject({ url: `${ns}/config`, headers: teamB.bob })).statusCode === 200) || undefined)

  await a.close() // writes A's snapshot
  t.equal((await b.app.inject({ method: 'DELETE', url: ns, headers: teamB.alice })).statusCode, 204, 'deleted through B while A is down')
  const again = await listenApp(a.dataDir, { ...kv, DYAD_DC: 'dc1' }, a.port)
  t.teardown(() => again.close())

  const poll = await again.app.inject({ url: `/v1/projects/${P}/cms/notifications?app=shop&env=prod&revision=${held}`, headers: teamA.bob })
  t.equal(poll.statusCode, 200, 'a long-poll from the held revision answers at once')
  const [change] = poll.json().changes as Array<{ namespace: string; releaseKey?: string; revision: number }>
  t.equal(change?.namespace, 'application')
  t.notOk(change && 'releaseKey' in change, 'as deleted (no release key)')
  t.ok(change!.revision > held)
  t.equal((await again.app.inject({ url: `${ns}/config`, headers: teamA.bob })).statusCode, 404, 'and it is gone')
})
