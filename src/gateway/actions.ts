/** The gateway's own slice of the action catalog: the audit log it writes, the traffic limits it enforces. */
import type { ActionCatalog } from '../contracts/authorization.ts'

export const gatewayActions = {
  'audit.read': { scope: 'project', minRole: 'project-admin' },
  'platform.audit.read': { scope: 'platform' },
  /** A project's rate limits and request quotas: its admins read them, platform admins set them. */
  'traffic.read': { scope: 'project', minRole: 'project-admin' },
  'traffic.write': { scope: 'platform' },
} as const satisfies ActionCatalog
