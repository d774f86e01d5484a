/**
 * The platform domain: projects, members, API keys and platform admins, with their admin API, and
 * the principal directory the gateway authenticates and authorizes with (served from memory, kept
 * exact by the store's access change feed).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Domain, DomainContext } from '../../src/contracts/domain.ts'
import { GATEWAY_PLUGIN } from '../../src/contracts/domain.ts'
import { platformActions } from './actions.ts'
import { createDirectory, type PlatformDirectory } from './directory.ts'
import { platformSchemas } from './schemas.ts'
import { createPlatformService, type PlatformService } from './service.ts'
import { trackAccessWrites } from './tracked-store.ts'
import { adminRoutes } from './routes/admins.ts'
import { apiKeyRoutes } from './routes/api-keys.ts'
import { memberRoutes } from './routes/members.ts'
import { projectRoutes } from './routes/projects.ts'

export type { PlatformService } from './service.ts'
export { platformActions } from './actions.ts'

export interface PlatformDomain extends Domain {
  directory: PlatformDirectory
  service: PlatformService
  /** First start: makes sure a platform admin exists; returns a generated key to print once. */
  bootstrap(configuredKey?: string): Promise<{ subject: string; apiKey?: string }>
}

export interface PlatformDomainOptions {
  /** Deletes what the other domains hold for a project (the composition root fans it out). */
  purgeProject(projectId: string): Promise<void>
}

export async function createPlatformDomain(ctx: DomainContext, opts: PlatformDomainOptions): Promise<PlatformDomain> {
  const directory = createDirectory({ store: ctx.ports.platform, log: ctx.log })
  await directory.start()
  const service = createPlatformService({ store: trackAccessWrites(ctx.ports.platform, directory.changed), purgeProject: opts.purgeProject })

  async function routes(app: FastifyInstance) {
    const deps = { service }
    await app.register(projectRoutes, deps)
    await app.register(memberRoutes, deps)
    await app.register(apiKeyRoutes, deps)
    await app.register(adminRoutes, deps)
  }

  return {
    name: 'platform',
    plugin: fp(routes, { name: 'dyad-platform', dependencies: [GATEWAY_PLUGIN], encapsulate: true }),
    actions: platformActions,
    schemas: platformSchemas,
    directory,
    service,
    bootstrap: (key) => service.bootstrap(key),
    close: () => directory.close(),
  }
}
