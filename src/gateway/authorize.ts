/**
 * Authorization facade: `authorize(principal, action, resource)`. Every authenticated request goes
 * through it (the gateway hook reads the action from the route's config). In the running process
 * the policy domain backs it with Rego (the shipped `data.dyad.authz`, replaceable per project);
 * this module owns the action catalog that policy reads as data, and `createRoleAuthorizer`, the
 * same rules written as plain code: the reference the shipped policy is tested against.
 */
import type { ProjectRole } from '../infra/ports/platform.ts'
import type { Principal, Resource } from './principal.ts'

export interface Decision {
  allow: boolean
  reason: string
}

export interface Authorizer {
  authorize(principal: Principal, action: string, resource: Resource): Promise<Decision>
}

/**
 * What each action needs. `platform` actions need a platform admin (through an unscoped
 * credential); `project` actions need a membership of at least `minRole` in the resource's project.
 */
export const ACTIONS: Record<string, { scope: 'platform' } | { scope: 'project'; minRole: ProjectRole } | { scope: 'self' }> = {
  'whoami': { scope: 'self' },
  'project.list': { scope: 'self' },
  'project.create': { scope: 'platform' },
  'project.delete': { scope: 'platform' },
  'project.read': { scope: 'project', minRole: 'project-user' },
  'project.update': { scope: 'project', minRole: 'project-admin' },
  'member.read': { scope: 'project', minRole: 'project-user' },
  'member.write': { scope: 'project', minRole: 'project-admin' },
  'apikey.read': { scope: 'project', minRole: 'project-admin' },
  'apikey.write': { scope: 'project', minRole: 'project-admin' },
  'audit.read': { scope: 'project', minRole: 'project-admin' },
  'document.read': { scope: 'project', minRole: 'project-user' },
  'document.write': { scope: 'project', minRole: 'project-user' },
  'secret.read': { scope: 'project', minRole: 'project-admin' },
  'secret.write': { scope: 'project', minRole: 'project-admin' },
  'policy.decide': { scope: 'project', minRole: 'project-user' },
  'policy.read': { scope: 'project', minRole: 'project-user' },
  'policy.write': { scope: 'project', minRole: 'project-admin' },
  'decision.read': { scope: 'project', minRole: 'project-admin' },
  'bundle.read': { scope: 'project', minRole: 'project-user' },
  'bundle.write': { scope: 'project', minRole: 'project-admin' },
  'authz.read': { scope: 'platform' },
  'authz.write': { scope: 'platform' },
  'platform.audit.read': { scope: 'platform' },
  'platform.admin.read': { scope: 'platform' },
  'platform.admin.write': { scope: 'platform' },
}

const RANK: Record<ProjectRole, number> = { 'project-user': 1, 'project-admin': 2 }

export interface MembershipLookup {
  getMember(projectId: string, subject: string): Promise<{ role: ProjectRole } | undefined>
}

export function createRoleAuthorizer(members: MembershipLookup): Authorizer {
  return {
    async authorize(principal, action, resource) {
      const rule = ACTIONS[action]
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
