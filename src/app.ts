/**
 * The composition root: the only module that knows every part. It builds the ports' adapters from
 * configuration, builds each domain's service on them, and registers the gateway layer and the
 * domain plugins. It never listens (server.ts does), so tests build the app and use `inject`.
 */
import { DYAD_VERSION } from './shared/version.ts'
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { DyadConfig } from './config/types.ts'
import type { ActionCatalog } from './contracts/authorization.ts'
import type { Domain, DomainContext, DomainModule } from './contracts/domain.ts'
import { ErrorSchema } from './contracts/schemas.ts'
import { createStores, type Stores } from './infra/stores.ts'
import { gatewayActions } from './gateway/actions.ts'
import { AuditEntrySchema, auditRoutes } from './gateway/audit-routes.ts'
import { installErrorHandler } from './gateway/error-handler.ts'
import { gatewayPlugin } from './gateway/index.ts'
import { createAuthenticator } from './gateway/identity/authenticate.ts'
import { jwtEnabled, registerJwt } from './gateway/identity/jwt.ts'
import { createMetricsRegistry } from './gateway/metrics.ts'
import { opsRoutes } from './gateway/ops-routes.ts'
import { createRateLimiter } from './gateway/rate-limit.ts'
import { createTrafficControl, TrafficConfigSchema, type TrafficConfig } from './gateway/traffic.ts'
import { trafficRoutes } from './gateway/traffic-routes.ts'
import { createKvDocCache } from './infra/kv/doc-cache.ts'
import { createQuotaPool } from './infra/quota/pool.ts'
import { applyRouteConventions, SECURITY_SCHEMES } from './gateway/route-conventions.ts'
import { serverOptions } from './gateway/server-options.ts'
import { createValidatorCompiler } from './gateway/validation.ts'
import { createPlatformDomain, platformActions } from '../plugins/platform/index.ts'
import { createPolicyDomain, policyActions } from '../plugins/policy/index.ts'
import { cmsDomain } from '../plugins/cms/index.ts'
import { llmDomain } from '../plugins/llm/index.ts'
import { ragDomain } from '../plugins/rag/index.ts'
import type { LlmFacade } from './contracts/llm.ts'

/**
 * Every domain beyond the two the gateway itself rests on (platform answers who is calling, policy
 * decides what they may do; both are built explicitly in `buildApp`). Adding a domain is a new folder
 * under plugins/ exporting a DomainModule, and one line here; nothing under src/gateway changes.
 */
const DOMAINS: DomainModule[] = [cmsDomain, llmDomain, ragDomain]

/** The action catalog, checked by `authorize` on every request: the gateway's slice and every domain's. */
export const ACTIONS: ActionCatalog = Object.assign({}, gatewayActions, platformActions, policyActions, ...DOMAINS.map((d) => d.actions))

export interface BuildOptions {
  config: DyadConfig
  /** Pre-built stores (tests share one database across apps); otherwise built from config. */
  stores?: Stores
  /** Pino options or false; defaults to the configured level. */
  logger?: boolean | object
}

export interface DyadApp {
  app: FastifyInstance
  stores: Stores
  /** Set on first start when a platform admin key was generated: print it once. */
  bootstrapKey?: string
}

export async function buildApp(opts: BuildOptions): Promise<DyadApp> {
  const { config } = opts
  const stores = opts.stores ?? (await createStores(config))
  const ownsStores = !opts.stores

  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] },
    ...serverOptions({ bodyLimit: config.bodyLimit }),
  })
  const metrics = createMetricsRegistry({ dc: config.dc })
  const ctx: DomainContext = { ports: stores, config, log: app.log, metrics }

  // The gateway's per-project traffic limits: documents in the KV port, request quotas leased from the quota port.
  const trafficConfigs = createKvDocCache<TrafficConfig>({ kv: stores.kv, prefix: 'gateway/traffic/', parse: (d) => d as TrafficConfig, log: app.log })
  const requestQuota = createQuotaPool({ store: stores.quota, block: () => config.quota.requestBlock, onError: (err) => app.log.error({ err }, 'quota give-back failed') })

  // Domains. The platform domain comes first: its directory answers who is calling, and deleting a
  // project fans out to every other domain's onProjectDeleted.
  const others: Domain[] = []
  let platform: Awaited<ReturnType<typeof createPlatformDomain>> | undefined
  let policy: Awaited<ReturnType<typeof createPolicyDomain>>
  try {
    platform = await createPlatformDomain(ctx, {
      purgeProject: async (projectId) => {
        await trafficConfigs.delete(projectId)
        for (const d of others) await d.onProjectDeleted?.(projectId)
      },
    })
    policy = await createPolicyDomain(ctx, { catalog: ACTIONS, roles: platform.directory })
    others.push(policy)
    // Domains call the LLM gateway at request time, after every domain is built; the llm domain
    // provides the path when it is built.
    let llmText: LlmFacade | undefined
    const llmPath = () => {
      if (!llmText) throw new Error('the llm domain is not part of this app')
      return llmText
    }
    const llm: LlmFacade = {
      chat: (caller, req) => llmPath().chat(caller, req),
      embed: (caller, req) => llmPath().embed(caller, req),
    }
    for (const d of DOMAINS) {
      const built = await d.create({ ...ctx, policy: policy.decider, filters: policy.filters, members: platform.directory, llm })
      llmText ??= (built as { text?: LlmFacade }).text
      others.push(built)
    }
  } catch (err) {
    // A domain that cannot start must not leave the ones before it (watches, timers) or the stores open.
    for (const d of [...others].reverse()) await d.close().catch(() => {})
    await platform?.close().catch(() => {})
    if (ownsStores) await stores.close().catch(() => {})
    throw err
  }
  const domains: Domain[] = [platform, ...others]
  await trafficConfigs.start()

  // One close hook, in dependency order: stop the domains (watches, buffered writes) before the stores go away.
  app.addHook('onClose', async () => {
    await requestQuota.close().catch((err) => app.log.error({ err }, 'error returning request quota'))
    await trafficConfigs.close()
    for (const d of [...domains].reverse()) await d.close().catch((err) => app.log.error({ err, domain: d.name }, 'error closing domain'))
    if (ownsStores) await stores.close()
  })

  const sharedSchemas = [ErrorSchema, AuditEntrySchema, TrafficConfigSchema, ...domains.flatMap((d) => d.schemas)]
  app.setValidatorCompiler(createValidatorCompiler(sharedSchemas as never[]))
  for (const s of sharedSchemas) app.addSchema(s)

  applyRouteConventions(app, { publicPrefixes: ['/docs'] })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Dyad', version: DYAD_VERSION, description: 'Dyad platform API: platform core, cms, policy and rag.' },
      components: {
        securitySchemes: SECURITY_SCHEMES,
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  installErrorHandler(app)
  if (jwtEnabled(config.jwt)) await registerJwt(app, config.jwt)

  await app.register(gatewayPlugin, {
    dc: config.dc,
    directory: platform.directory,
    authenticate: createAuthenticator({ directory: platform.directory, jwtEnabled: jwtEnabled(config.jwt) }),
    authorizer: policy.authorizer,
    audit: stores.audit,
    idempotency: stores.idempotency,
    rateLimiter: createRateLimiter(config.rateLimitPerMinute),
    traffic: createTrafficControl({ configs: trafficConfigs, pool: requestQuota }),
    metrics,
  })
  await app.register(auditRoutes, { audit: stores.audit })
  await app.register(trafficRoutes, { configs: trafficConfigs })
  for (const d of domains) await app.register(d.plugin)
  await app.register(opsRoutes, {
    dc: config.dc,
    metrics,
    checks: {
      sql: () => stores.sql.ping(),
      kv: () => stores.kv.ping(),
      // The audit log and idempotency records live on the platform store's backend: one check covers them.
      platformStore: () => stores.platform.ping(),
      appDataStore: () => stores.appData.ping(),
      secrets: () => stores.secrets.ping(),
    },
  })

  const boot = await platform.bootstrap(config.bootstrapAdminKey)
  await app.ready()
  return { app, stores, bootstrapKey: boot.apiKey }
}
