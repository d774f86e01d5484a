/**
 * Platform core: projects, members, API keys, platform admins, audit queries. No Fastify here:
 * routes call this with an already-authorized principal; the service enforces invariants that
 * are about data (existence, uniqueness, the last admin), not about who may call.
 */
import { randomBytes } from 'node:crypto'
import type { ApiKeyRecord, Member, PlatformStore, Project, ProjectRole } from '../../src/infra/ports/platform.ts'
import type { Principal } from '../../src/contracts/principal.ts'
import { generateApiKey, hashSecret } from '../../src/shared/api-key.ts'
import { PlatformErrors } from './errors.ts'

export type PublicApiKey = Omit<ApiKeyRecord, 'secretHash'>

const publicKey = ({ secretHash: _hidden, ...rest }: ApiKeyRecord): PublicApiKey => ({ ...rest, lastUsedAt: rest.lastUsedAt ?? null })

export interface PlatformServiceDeps {
  store: PlatformStore
  /**
   * Deletes what every other domain holds for a project (policies, data, decision logs, ...). Called
   * before the project itself is deleted, so a failure leaves the project in place to retry, and
   * again after it, for writes that raced the deletion.
   */
  purgeProject?: (projectId: string) => Promise<void>
  now?: () => Date
}

export function createPlatformService(deps: PlatformServiceDeps) {
  const { store } = deps
  const now = () => (deps.now ?? (() => new Date()))().toISOString()

  async function requireProject(id: string): Promise<Project> {
    const p = await store.getProject(id)
    if (!p) throw PlatformErrors.projectNotFound(`Project ${id} does not exist.`)
    return p
  }

  async function issueKey(input: { name: string; subject: string; projectId: string | null; expiresAt?: string | null; token?: string }) {
    if (input.expiresAt != null && !(Date.parse(input.expiresAt) > Date.now())) throw PlatformErrors.invalidExpiry()
    const generated = generateApiKey()
    const parsed = input.token ? { id: input.token.split('_')[1], secret: input.token.split('_').slice(2).join('_') } : generated
    const record: ApiKeyRecord = {
      id: parsed.id,
      secretHash: hashSecret(parsed.secret),
      name: input.name,
      subject: input.subject,
      projectId: input.projectId,
      createdAt: now(),
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
      lastUsedAt: null,
    }
    await store.createApiKey(record)
    return { apiKey: input.token ?? generated.token, key: publicKey(record) }
  }

  return {
    async createProject(input: { id?: string; name: string; description?: string }): Promise<Project> {
      const id = input.id ?? `p-${randomBytes(6).toString('hex')}`
      if (await store.getProject(id)) throw PlatformErrors.projectExists(`Project ${id} already exists.`)
      return store.createProject({ id, name: input.name, description: input.description ?? '', createdAt: now() })
    },

    getProject: requireProject,

    /** Admins see every project; others see the projects they are members of. */
    async listProjects(principal: Principal, page: { limit?: number; cursor?: string }) {
      if (principal.platformAdmin && principal.projectScope === null) return store.listProjects(page)
      const ids = principal.projectScope !== null ? [principal.projectScope] : (await store.listMembershipsOf(principal.subject)).map((m) => m.projectId)
      if (ids.length === 0) return { items: [] }
      return store.listProjects({ ...page, ids })
    },

    async updateProject(id: string, patch: { name?: string; description?: string }) {
      const p = await store.updateProject(id, patch)
      if (!p) throw PlatformErrors.projectNotFound(`Project ${id} does not exist.`)
      return p
    },

    async deleteProject(id: string) {
      await requireProject(id)
      await deps.purgeProject?.(id)
      if (!(await store.deleteProject(id))) throw PlatformErrors.projectNotFound(`Project ${id} does not exist.`)
      await deps.purgeProject?.(id)
    },

    async putMember(projectId: string, subject: string, role: ProjectRole): Promise<Member> {
      await requireProject(projectId)
      const existing = await store.getMember(projectId, subject)
      return store.putMember({ projectId, subject, role, createdAt: existing?.createdAt ?? now() })
    },

    async listMembers(projectId: string) {
      await requireProject(projectId)
      return store.listMembers(projectId)
    },

    async deleteMember(projectId: string, subject: string) {
      await requireProject(projectId)
      if (!(await store.deleteMember(projectId, subject))) throw PlatformErrors.memberNotFound(`${subject} is not a member of ${projectId}.`)
    },

    async createProjectKey(projectId: string, input: { name: string; subject: string; expiresAt?: string | null }) {
      await requireProject(projectId)
      if (!(await store.getMember(projectId, input.subject)) && !(await store.isPlatformAdmin(input.subject))) {
        throw PlatformErrors.keySubjectNotMember(`${input.subject} is not a member of ${projectId}; add the member first.`)
      }
      return issueKey({ ...input, projectId })
    },

    async listProjectKeys(projectId: string) {
      await requireProject(projectId)
      return (await store.listApiKeys({ projectId })).map(publicKey)
    },

    async revokeProjectKey(projectId: string, keyId: string) {
      const key = await store.getApiKey(keyId)
      if (!key || key.projectId !== projectId) throw PlatformErrors.apiKeyNotFound(`API key ${keyId} does not exist in ${projectId}.`)
      const revoked = await store.revokeApiKey(keyId, key.revokedAt ?? now())
      return publicKey(revoked ?? key)
    },

    async listAdmins() {
      return store.listPlatformAdmins()
    },

    async setAdmin(subject: string, isAdmin: boolean) {
      if (!isAdmin) {
        const admins = await store.listPlatformAdmins()
        if (admins.length === 1 && admins[0] === subject) throw PlatformErrors.lastAdmin()
      }
      await store.setPlatformAdmin(subject, isAdmin)
    },

    /** Platform-level key for an admin subject (not scoped to a project). */
    async createPlatformKey(input: { name: string; subject: string; expiresAt?: string | null }) {
      return issueKey({ ...input, projectId: null })
    },

    /**
     * First start: when there is no platform admin, make `admin` one and issue its key (the one from
     * configuration, or a generated one that is returned so the server prints it once). When a
     * configured key is missing from the store (e.g. a fresh database), it is (re)created.
     */
    async bootstrap(configuredKey?: string): Promise<{ subject: string; apiKey?: string }> {
      const subject = 'admin'
      const admins = await store.listPlatformAdmins()
      if (configuredKey) {
        const id = configuredKey.split('_')[1]
        if (!admins.includes(subject) && admins.length === 0) await store.setPlatformAdmin(subject, true)
        if (!(await store.getApiKey(id))) {
          // Both DCs may start at once against one store: the loser of the insert finds the key there.
          await issueKey({ name: 'bootstrap', subject, projectId: null, token: configuredKey }).catch((err) => {
            if (!PlatformErrors.conflict.is(err)) throw err
          })
        }
        return { subject }
      }
      if (admins.length > 0) return { subject: admins[0] }
      // Key first, then the admin flag: a kill in between leaves a harmless orphan key and the next
      // start bootstraps again, instead of an admin whose only key was never printed.
      const { apiKey } = await issueKey({ name: 'bootstrap', subject, projectId: null })
      await store.setPlatformAdmin(subject, true)
      return { subject, apiKey }
    },
  }
}

export type PlatformService = ReturnType<typeof createPlatformService>
