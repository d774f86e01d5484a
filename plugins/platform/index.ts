/**
 * The platform plugin: admin and project-management API on top of the platform service.
 * Encapsulated: it only receives the service from the composition root.
 */
import type { FastifyInstance } from 'fastify'
import type { PlatformService } from './service.ts'
import { adminRoutes } from './routes/admins.ts'
import { apiKeyRoutes } from './routes/api-keys.ts'
import { auditRoutes } from './routes/audit.ts'
import { memberRoutes } from './routes/members.ts'
import { projectRoutes } from './routes/projects.ts'

export { platformSchemas } from './schemas.ts'
export { createPlatformService, type PlatformService } from './service.ts'

export async function platformPlugin(app: FastifyInstance, opts: { service: PlatformService }) {
  await app.register(projectRoutes, opts)
  await app.register(memberRoutes, opts)
  await app.register(apiKeyRoutes, opts)
  await app.register(auditRoutes, opts)
  await app.register(adminRoutes, opts)
}
