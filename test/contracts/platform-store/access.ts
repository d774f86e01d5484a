/** Platform-store contract, part: Members, platform admins, API keys, and the project delete cascade. */
import type { Test } from 'tap'
import type { Member } from '../../../src/infra/ports/platform.ts'
import { conflict, projectNotFound, at, project, apiKey } from './fixtures.ts'
import type { Fresh } from './fixtures.ts'

export function accessContract(t: Test, fresh: Fresh): void {
  t.test('members: put upserts the role, get, list, memberships, delete', async (t) => {
    const store = await fresh(t)
    await store.createProject(project('p1'))
    await store.createProject(project('p2'))
    const alice1: Member = { projectId: 'p1', subject: 'alice', role: 'project-admin', createdAt: at(1) }
    const bob1: Member = { projectId: 'p1', subject: 'bob', role: 'project-user', createdAt: at(2) }
    const alice2: Member = { projectId: 'p2', subject: 'alice', role: 'project-user', createdAt: at(3) }
    await t.rejects(store.putMember({ ...alice1, projectId: 'nope' }), projectNotFound)
    t.strictSame(await store.putMember(bob1), bob1)
    t.strictSame(await store.putMember(alice1), alice1)
    t.strictSame(await store.putMember(alice2), alice2)

    const demoted = await store.putMember({ ...alice1, role: 'project-user', createdAt: at(9) })
    t.strictSame(demoted, { ...alice1, role: 'project-user' }, 'put changes the role and keeps createdAt')
    const alice1now = { ...alice1, role: 'project-user' as const }
    t.strictSame(await store.getMember('p1', 'alice'), alice1now)
    t.equal(await store.getMember('p1', 'carol'), undefined)
    t.equal(await store.getMember('p9', 'alice'), undefined)

    t.strictSame(await store.listMembers('p1'), [alice1now, bob1], 'ordered by subject')
    t.strictSame(await store.listMembers('p9'), [])
    t.strictSame(await store.listMembershipsOf('alice'), [alice1now, alice2], 'ordered by project')
    t.strictSame(await store.listMembershipsOf('carol'), [])

    t.equal(await store.deleteMember('p1', 'alice'), true)
    t.equal(await store.deleteMember('p1', 'alice'), false)
    t.strictSame(await store.listMembers('p1'), [bob1])
    t.strictSame(await store.listMembershipsOf('alice'), [alice2])
  })

  t.test('platform admins: set, check, list, unset', async (t) => {
    const store = await fresh(t)
    t.strictSame(await store.listPlatformAdmins(), [])
    await store.setPlatformAdmin('root', true)
    await store.setPlatformAdmin('ops', true)
    await store.setPlatformAdmin('root', true)
    t.equal(await store.isPlatformAdmin('root'), true)
    t.equal(await store.isPlatformAdmin('alice'), false)
    t.strictSame(await store.listPlatformAdmins(), ['ops', 'root'], 'sorted, granting twice adds nothing')
    await store.setPlatformAdmin('root', false)
    await store.setPlatformAdmin('alice', false)
    t.equal(await store.isPlatformAdmin('root'), false)
    t.strictSame(await store.listPlatformAdmins(), ['ops'])
  })

  t.test('api keys: create, get, list, revoke, touch', async (t) => {
    const store = await fresh(t)
    await store.createProject(project('p1'))
    await store.createProject(project('p2'))
    const k1 = apiKey('k1', { createdAt: at(1), expiresAt: at(1000) })
    const k2 = apiKey('k2', { createdAt: at(2), subject: 'bob' })
    const k3 = apiKey('k3', { createdAt: at(3), projectId: 'p2' })
    const admin = apiKey('k0', { createdAt: at(4), subject: 'root', projectId: null })
    for (const k of [k3, admin, k2, k1]) t.strictSame(await store.createApiKey(k), k)
    const { lastUsedAt: _omitted, ...withoutLastUsed } = apiKey('k4', { createdAt: at(5) })
    t.strictSame(await store.createApiKey(withoutLastUsed), { ...withoutLastUsed, lastUsedAt: null }, 'lastUsedAt defaults to null')
    const k4 = { ...withoutLastUsed, lastUsedAt: null }

    await t.rejects(store.createApiKey(apiKey('k1', { name: 'dup' })), conflict)
    await t.rejects(store.createApiKey(apiKey('k9', { projectId: 'nope' })), projectNotFound)
    t.strictSame(await store.getApiKey('k1'), k1)
    t.equal(await store.getApiKey('nope'), undefined)

    t.strictSame(await store.listApiKeys({}), [k1, k2, k3, admin, k4], 'ordered by createdAt')
    t.strictSame(await store.listApiKeys({ projectId: 'p1' }), [k1, k2, k4])
    t.strictSame(await store.listApiKeys({ projectId: null }), [admin], 'null selects platform keys')
    t.strictSame(await store.listApiKeys({ subject: 'alice' }), [k1, k3, k4])
    t.strictSame(await store.listApiKeys({ projectId: 'p1', subject: 'alice' }), [k1, k4])
    t.strictSame(await store.listApiKeys({ subject: 'nobody' }), [])

    t.strictSame(await store.revokeApiKey('k1', at(50)), { ...k1, revokedAt: at(50) })
    t.strictSame(await store.revokeApiKey('k1', at(60)), { ...k1, revokedAt: at(50) }, 'the first revocation wins')
    t.equal(await store.revokeApiKey('nope', at(50)), undefined)

    await store.touchApiKey('k2', at(70))
    t.strictSame(await store.getApiKey('k2'), { ...k2, lastUsedAt: at(70) })
    await store.touchApiKey('k2', at(65))
    t.strictSame(await store.getApiKey('k2'), { ...k2, lastUsedAt: at(70) }, 'a late, older touch does not move it back')
    await store.touchApiKey('k2', at(80))
    t.strictSame(await store.getApiKey('k2'), { ...k2, lastUsedAt: at(80) })
    await t.resolves(store.touchApiKey('nope', at(80)))
  })

  t.test('deleteProject cascades to members and keys', async (t) => {
    const store = await fresh(t)
    await store.createProject(project('p1'))
    await store.createProject(project('p2'))
    await store.putMember({ projectId: 'p1', subject: 'alice', role: 'project-admin', createdAt: at(1) })
    const kept: Member = { projectId: 'p2', subject: 'alice', role: 'project-user', createdAt: at(1) }
    await store.putMember(kept)
    await store.createApiKey(apiKey('k1'))
    const other = apiKey('k2', { projectId: 'p2' })
    const admin = apiKey('k0', { projectId: null, subject: 'root' })
    await store.createApiKey(other)
    await store.createApiKey(admin)

    t.equal(await store.deleteProject('p1'), true)
    t.equal(await store.getMember('p1', 'alice'), undefined)
    t.strictSame(await store.listMembers('p1'), [])
    t.strictSame(await store.listMembershipsOf('alice'), [kept])
    t.equal(await store.getApiKey('k1'), undefined)
    t.strictSame(await store.listApiKeys({}), [admin, other])

    await store.createProject(project('p1'))
    t.strictSame(await store.listMembers('p1'), [], 'a re-created project starts empty')
    t.strictSame(await store.listApiKeys({ projectId: 'p1' }), [])
  })

}
