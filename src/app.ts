/**
 * The composition root: the only module that knows every part. It builds the ports' adapters from
 * configuration, builds each domain's service on them, and registers the gateway layer and the
 * domain plugins. It never listens (server.ts does), so tests build the app and use `inject`.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { DyadConfig } from './config/types.ts'
import { createStores, type Stores } from './infra/stores.ts'
import { installErrorHandler } from './gateway/error-handler.ts'
import { gatewayPlugin } from './gateway/index.ts'
import { createAuthenticator } from './gateway/identity/authenticate.ts'
import { jwtEnabled, registerJwt } from './gateway/identity/jwt.ts'
import { createMetricsRegistry } from './gateway/metrics.ts'
import { opsRoutes } from './gateway/ops-routes.ts'
import { createRateLimiter } from './gateway/rate-limit.ts'
import { applyRouteConventions } from './gateway/route-conventions.ts'
import { ErrorSchema } from './contracts/schemas.ts'
import { createValidatorCompiler } from './gateway/validation.ts'
import { serverOptions } from './gateway/server-options.ts'
import type { ActionCatalog } from './contracts/authorization.ts'
import { gatewayActions } from './gateway/actions.ts'
import { platformActions } from '../plugins/platform/actions.ts'
import { policyActions } from '../plugins/policy/actions.ts'
import { createPlatformService, platformPlugin, platformSchemas } from '../plugins/platform/index.ts'
import { createDecisionLog, createPolicyService, createPolicyStore, createRegoAuthorizer, policyPlugin } from '../plugins/policy/index.ts'

/** The action catalog: the gateway's slice and every domain's, checked by `authorize` on every request. */
export const ACTIONS: ActionCatalog = { ...gatewayActions, ...platformActions, ...policyActions }

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
  const sharedSchemas = [ErrorSchema, ...platformSchemas]

  const app = Fastify({
    logger: opts.logger ?? { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] },
    ...serverOptions({ bodyLimit: config.bodyLimit }),
  })
  app.setValidatorCompiler(createValidatorCompiler(sharedSchemas))
  for (const s of sharedSchemas) app.addSchema(s)

  applyRouteConventions(app, { publicPrefixes: ['/docs'] })
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Dyad', version: '0.1.0', description: 'Dyad platform API: platform core, cms, policy and rag.' },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (dyad_<id>_<secret>) or a JWT.' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  installErrorHandler(app)

  const metrics = createMetricsRegistry({ dc: config.dc })
  if (jwtEnabled(config.jwt)) await registerJwt(app, config.jwt)
  // Policy domain first: its Rego authorizer is what the gateway's `authorize` runs on.
  const policyStore = createPolicyStore(stores.kv)
  const decisions = createDecisionLog(stores.appData)
  const authorizer = createRegoAuthorizer({ catalog: ACTIONS, members: stores.platform, store: policyStore, log: app.log })
  const policy = createPolicyService({
    store: policyStore,
    decisions,
    dc: config.dc,
    limits: { maxModuleBytes: config.policy.maxModuleBytes, maxModules: config.policy.maxModules, budget: { timeoutMs: config.policy.timeoutMs, maxSteps: config.policy.maxSteps } },
    log: app.log,
  })
  const policyWatch = await policy.start((projectId) => authorizer.invalidate(projectId))
  // One close hook, in dependency order: stop watching before the stores go away.
  app.addHook('onClose', async () => {
    await policyWatch.cancel().catch(() => {})
    if (ownsStores) await stores.close()
  })

  await app.register(gatewayPlugin, {
    dc: config.dc,
    platform: stores.platform,
    authenticate: createAuthenticator({ platform: stores.platform, jwtEnabled: jwtEnabled(config.jwt) }),
    authorizer,
    rateLimiter: createRateLimiter(config.rateLimitPerMinute),
    metrics,
  })

  const platform = createPlatformService({ store: stores.platform })
  await app.register(platformPlugin, { service: platform })
  await app.register(policyPlugin, {
    service: policy,
    store: policyStore,
    decisions,
    authorizer,
    maxModuleBytes: config.policy.maxModuleBytes,
    maxBundleBytes: config.policy.maxBundleBytes,
  })
  await app.register(opsRoutes, {
    dc: config.dc,
    metrics,
    checks: {
      sql: () => stores.sql.ping(),
      kv: () => stores.kv.ping(),
      platformStore: () => stores.platform.ping(),
      appDataStore: () => stores.appData.ping(),
      secrets: () => stores.secrets.ping(),
    },
  })

  const boot = await platform.bootstrap(config.bootstrapAdminKey)
  await app.ready()
  return { app, stores, bootstrapKey: boot.apiKey }
}
