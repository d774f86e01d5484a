/**
 * The cms domain: configuration management (apps, environments, clusters, namespaces; drafts,
 * releases, approval by policy, gray rollout, rollback), reads from memory, watch by SSE and
 * long-poll, secret references, export/import. State lives in the key-value port (etcd).
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { DomainModule, ServiceContext } from '../../src/contracts/domain.ts'
import { GATEWAY_PLUGIN } from '../../src/contracts/domain.ts'
import { cmsActions } from './actions.ts'
import { createConfigCache } from './cache.ts'
import { manageRoutes } from './routes/manage.ts'
import { readRoutes } from './routes/reads.ts'
import { releaseRoutes } from './routes/releases.ts'
import { transferRoutes } from './routes/transfer.ts'
import { cmsSchemas } from './schemas.ts'
import { createSecretResolver, secretPath } from './secrets.ts'
import { createCmsService } from './service.ts'
import { createCmsStore } from './store.ts'
import { FLAGS_NAMESPACE } from './documents.ts'
import { parseFlagDefinitions, type FlagSet } from './flags/index.ts'
import { parseDocument } from './formats/index.ts'
import { DEFAULT_CLUSTER, type Release } from './model.ts'
import { ofrepRoutes } from './routes/ofrep.ts'
import { CmsErrors } from './errors.ts'
import { createAccessKeys } from './access-keys.ts'
import { createInstanceSync } from './instances-sync.ts'
import { accessKeyRoutes } from './routes/access-keys.ts'
import { apolloRoutes } from './routes/apollo.ts'
import { springRoutes } from './routes/spring.ts'

export { cmsActions } from './actions.ts'

export async function createCmsDomain(ctx: ServiceContext) {
  const { config, log } = ctx
  const store = createCmsStore(ctx.ports.kv)
  const cache = createConfigCache({ kv: ctx.ports.kv, snapshotFile: config.cms.snapshotFile, log })
  await cache.start()
  const instances = createInstanceSync({ kv: ctx.ports.kv, instances: cache.instances, dc: config.dc, log })
  instances.start()
  const accessKeys = createAccessKeys(ctx.ports.secrets)
  const resolver = createSecretResolver(ctx.ports.secrets, config.cms.secretTtlMs)
  const service = createCmsService({ store, cache, policy: ctx.policy, dc: config.dc, maxNamespaceBytes: config.cms.maxNamespaceBytes, maxNamespaces: config.cms.maxNamespaces })
  ctx.metrics.gauge('dyad_cms_cache_revision', 'Store revision the cms cache has applied.', [], { collect: () => cache.revision })
  ctx.metrics.gauge('dyad_cms_cache_stale', '1 while cms serves from its last-known-good snapshot because the store has not answered.', [], { collect: () => (cache.stale ? 1 : 0) })

  // Flag sets parsed once per release object the cache holds (a new head brings new objects).
  const flagSets = new WeakMap<Release, FlagSet>()
  function flags(projectId: string, app: string, env: string) {
    if (!cache.hasEnv(projectId, app, env)) throw CmsErrors.envNotFound(`environment ${env} of app ${app} does not exist`)
    const release = cache.head({ projectId, app, env, cluster: DEFAULT_CLUSTER, namespace: FLAGS_NAMESPACE })?.main
    if (!release) return undefined
    let set = flagSets.get(release)
    if (!set) flagSets.set(release, (set = parseFlagDefinitions(parseDocument(release.format, release.content).value)))
    return { set, etag: `"${release.key}"` }
  }

  async function routes(app: FastifyInstance) {
    await app.register(manageRoutes, { service })
    await app.register(releaseRoutes, { service })
    await app.register(readRoutes, { cache, secrets: resolver, longPollMs: config.cms.longPollMs, maxWatchers: config.cms.maxWatchers, instances })
    await app.register(transferRoutes, { service, cache, secrets: ctx.ports.secrets, resolver })
    await app.register(ofrepRoutes, { flags })
    await app.register(accessKeyRoutes, { service, keys: accessKeys })
    // Existing clients, unchanged: Apollo's config service (signed by its access keys, outside the
    // gateway's schemes) and Spring Cloud Config's environment endpoint (a Dyad API key).
    await app.register(apolloRoutes, { reads: cache, accessKeys: (p, a) => accessKeys.secrets(p, a), longPollMs: config.cms.longPollMs, maxWatchers: config.cms.maxWatchers })
    await app.register(springRoutes, { reads: cache })
  }

  return {
    name: 'cms',
    plugin: fp(routes, { name: 'dyad-cms', dependencies: [GATEWAY_PLUGIN], encapsulate: true }),
    actions: cmsActions,
    schemas: cmsSchemas,
    service,
    cache,
    async onProjectDeleted(projectId: string) {
      await service.onProjectDeleted(projectId)
      for (const name of await ctx.ports.secrets.list(secretPath(projectId, ''))) await ctx.ports.secrets.delete(name)
      await accessKeys.deleteProject(projectId)
    },
    async close() {
      await instances.close()
      await cache.close()
    },
  }
}

export const cmsDomain: DomainModule = { actions: cmsActions, create: createCmsDomain }
