/** A project with three members for cms tests: alice (project-admin), bob and carol (project-users). */
import type { FastifyInstance } from 'fastify'
import { ADMIN_KEY, bearer } from '../../helpers/app.ts'

export interface Team {
  admin: Record<string, string>
  alice: Record<string, string>
  bob: Record<string, string>
  carol: Record<string, string>
}

export async function createTeam(app: FastifyInstance, projectId: string): Promise<Team> {
  const admin = bearer(ADMIN_KEY)
  const ok = (res: { statusCode: number; body: string }, what: string) => {
    if (res.statusCode >= 300) throw new Error(`${what}: ${res.statusCode} ${res.body}`)
    return res
  }
  ok(await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: projectId, name: projectId } }), 'create project')
  const keys: Record<string, Record<string, string>> = {}
  for (const [subject, role] of [['alice', 'project-admin'], ['bob', 'project-user'], ['carol', 'project-user']] as const) {
    ok(await app.inject({ method: 'PUT', url: `/v1/projects/${projectId}/members/${subject}`, headers: admin, payload: { role } }), 'add member')
    const issued = ok(await app.inject({ method: 'POST', url: `/v1/projects/${projectId}/api-keys`, headers: admin, payload: { name: subject, subject } }), 'issue key')
    keys[subject] = bearer(JSON.parse(issued.body).apiKey)
  }
  return { admin, alice: keys.alice!, bob: keys.bob!, carol: keys.carol! }
}

/** `/v1/projects/<p>/cms/apps/<app>/envs/<env>/clusters/<cluster>/namespaces/<ns>` */
export const nsUrl = (p: string, app: string, env: string, ns: string, cluster = 'default') => `/v1/projects/${p}/cms/apps/${app}/envs/${env}/clusters/${cluster}/namespaces/${ns}`
