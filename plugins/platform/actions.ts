/** The platform domain's slice of the action catalog (assembled by the composition root). */
import type { ActionCatalog } from '../../src/contracts/authorization.ts'

export const platformActions = {
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
  'platform.admin.read': { scope: 'platform' },
  'platform.admin.write': { scope: 'platform' },
} as const satisfies ActionCatalog
