/** The policy domain's slice of the action catalog (assembled by the composition root). */
import type { ActionCatalog } from '../../src/contracts/authorization.ts'

export const policyActions = {
  'policy.decide': { scope: 'project', minRole: 'project-user' },
  'policy.read': { scope: 'project', minRole: 'project-user' },
  'policy.write': { scope: 'project', minRole: 'project-admin' },
  'decision.read': { scope: 'project', minRole: 'project-admin' },
  'bundle.read': { scope: 'project', minRole: 'project-user' },
  'bundle.write': { scope: 'project', minRole: 'project-admin' },
  'authz.read': { scope: 'platform' },
  'authz.write': { scope: 'platform' },
} as const satisfies ActionCatalog
