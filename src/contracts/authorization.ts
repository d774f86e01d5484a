/**
 * The authorization contract: actions, the catalog each domain contributes a slice of, and the
 * `authorize(principal, action, resource)` facade the gateway calls for every request. The policy
 * domain implements it with Rego; the composition root assembles the catalog and wires the two.
 */
import type { Principal, ProjectRole, Resource } from './principal.ts'

/**
 * What an action needs: `platform` actions a platform admin (through an unscoped credential);
 * `project` actions a membership of at least `minRole` in the resource's project; `self` actions
 * any authenticated principal.
 */
export type ActionRule = { scope: 'platform' } | { scope: 'project'; minRole: ProjectRole } | { scope: 'self' }

/** Action name (`<resource>.<verb>`, e.g. `policy.write`) to its rule. */
export type ActionCatalog = Readonly<Record<string, ActionRule>>

export interface Decision {
  allow: boolean
  reason: string
}

export interface Authorizer {
  authorize(principal: Principal, action: string, resource: Resource): Decision | Promise<Decision>
}
