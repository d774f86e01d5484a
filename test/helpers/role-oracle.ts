/**
 * The authorization rules written as plain code: the test oracle the shipped Rego policy
 * (plugins/policy/authz/authz.rego) is checked against for every principal, action and project.
 * Never used by the running process: there, the rules live in the policy only.
 */
import type { ActionCatalog, Authorizer } from '../../src/contracts/authorization.ts'
import type { ProjectRole } from '../../src/contracts/principal.ts'

const RANK: Record<ProjectRole, number> = { 'project-user': 1, 'project-admin': 2 }

export interface MembershipLookup {
  getMember(projectId: string, subject: string): Promise<{ role: ProjectRole } | undefined>
}

export function createRoleAuthorizer(catalog: ActionCatalog, members: MembershipLookup): Authorizer {
  return {
    async authorize(principal, action, resource) {
      const rule = catalog[action]
      if (!rule) return { allow: false, reason: `unknown action ${action}` }
      if (rule.scope === 'self') return { allow: true, reason: 'any authenticated principal' }
      if (rule.scope === 'platform') {
        if (principal.projectScope !== null) return { allow: false, reason: 'a project-scoped key cannot perform platform actions' }
        return principal.platformAdmin ? { allow: true, reason: 'platform admin' } : { allow: false, reason: 'requires platform-admin' }
      }
      const projectId = resource.projectId
      if (!projectId) return { allow: false, reason: 'project action without a project' }
      if (principal.projectScope !== null && principal.projectScope !== projectId) {
        return { allow: false, reason: `key is scoped to project ${principal.projectScope}` }
      }
      if (principal.platformAdmin) return { allow: true, reason: 'platform admin' }
      const member = await members.getMember(projectId, principal.subject)
      if (!member) return { allow: false, reason: 'not a member of the project' }
      return RANK[member.role] >= RANK[rule.minRole]
        ? { allow: true, reason: `role ${member.role}` }
        : { allow: false, reason: `requires ${rule.minRole}` }
    },
  }
}
