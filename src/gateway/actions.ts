/** The gateway's own slice of the action catalog: the audit log it writes. */
import type { ActionCatalog } from '../contracts/authorization.ts'

export const gatewayActions = {
  'audit.read': { scope: 'project', minRole: 'project-admin' },
  'platform.audit.read': { scope: 'platform' },
} as const satisfies ActionCatalog
