/**
 * The policy domain: OPA's REST API per project under /v1/projects/{id}/opa, bundles, decision
 * logs and the per-project authorization policy. It also provides the gateway's `authorize`
 * (the Rego authorizer), which the composition root builds once the action catalog is assembled.
 */
import compress from '@fastify/compress'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { ActionCatalog } from '../../src/contracts/authorization.ts'
import type { Domain, DomainContext } from '../../src/contracts/domain.ts'
import { GATEWAY_PLUGIN } from '../../src/contracts/domain.ts'
import type { PolicyDecider } from '../../src/contracts/policy.ts'
import { policyActions } from './actions.ts'
import { createRegoAuthorizer, type RegoAuthorizer, type RoleDirectory } from './authz/authorizer.ts'
import { createLastKnownAuthz } from './authz/last-known.ts'
import { createDecisionLog, DECISION_LOGS } from './decision-log.ts'
import { createPolicyService } from './service.ts'
import { createPolicyStore } from './store.ts'
import { createBundleSigner } from './bundle/signing.ts'
import { parseYamlValue } from './bundle/data-file.ts'
import { PolicyErrors } from './errors.ts'
import { authzPolicyRoutes } from './routes/authz-policy.ts'
import { bundleRoutes } from './routes/bundles.ts'
import { decisionRoutes } from './routes/decisions.ts'
import { opaDataRoutes } from './routes/opa-data.ts'
import { opaPolicyRoutes } from './routes/opa-policies.ts'
import { opaConfigRoutes } from './routes/opa-config.ts'
import { DYAD_VERSION } from '../../src/shared/version.ts'
import { opaCompileRoutes } from './routes/opa-compile.ts'
import type { FilterCompiler } from '../../src/contracts/filter.ts'

export { policyActions } from './actions.ts'
export type { RegoAuthorizer } from './authz/authorizer.ts'

export interface PolicyDomain extends Domain {
  /** The gateway's authorizer, over the whole action catalog. Available once the plugin is registered. */
  authorizer: RegoAuthorizer
  /** Decisions for other domains' shipped-and-replaceable policies (cms publish approval). */
  decider: PolicyDecider
  /** Partial evaluation of a rule into a data filter (rag's read access). */
  filters: FilterCompiler
}

export interface PolicyDomainOptions {
  /** Every domain's slice of the action catalog, assembled by the composition root. */
  catalog: ActionCatalog
  /** Project roles, for authorization (the platform domain's directory). */
  roles: RoleDirectory
}

export async function createPolicyDomain(ctx: DomainContext, opts: PolicyDomainOptions): Promise<PolicyDomain> {
  const { config, log } = ctx
  const store = createPolicyStore(ctx.ports.kv)
  const decisions = createDecisionLog({ appData: ctx.ports.appData, metrics: ctx.metrics, log })
  const lastKnown = createLastKnownAuthz({ file: config.policy.authzSnapshotFile, log })
  const authorizer = createRegoAuthorizer({ catalog: opts.catalog, roles: opts.roles, store, log, lastKnown })
  const decided = ctx.metrics.counter('dyad_policy_decisions_total', 'Policy decisions (OPA Data and default-decision APIs), by outcome.', ['outcome'])
  const evalSeconds = ctx.metrics.histogram('dyad_policy_eval_seconds', 'Evaluation time of policy decisions.', [], [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1])
  const cacheStat = (name: string, help: string, read: (s: ReturnType<RegoAuthorizer['cacheStats']>) => number) =>
    ctx.metrics.gauge(name, help, [], { collect: () => read(authorizer.cacheStats()) })
  cacheStat('dyad_authz_decision_cache_hits', 'Authorization decisions answered from the decision cache (since start).', (s) => s.hits)
  cacheStat('dyad_authz_decision_cache_misses', 'Authorization decisions evaluated (since start).', (s) => s.misses)
  cacheStat('dyad_authz_decision_cache_entries', 'Authorization decisions held in the cache.', (s) => s.size)
  const service = createPolicyService({
    onDecision(evalNs, failed) {
      decided.inc({ outcome: failed ? 'error' : 'ok' })
      evalSeconds.observe({}, evalNs / 1e9)
    },
    store,
    decisions,
    dc: config.dc,
    limits: { maxModuleBytes: config.policy.maxModuleBytes, maxModules: config.policy.maxModules, budget: { timeoutMs: config.policy.timeoutMs, maxSteps: config.policy.maxSteps, maxBytes: config.policy.maxMemoryBytes } },
    log,
  })
  // One invalidation path: the watch (changes from either DC) drops compiled policies and the
  // authorizer's compiled replacement for the project.
  const watch = await service.start(
    (projectId) => authorizer.invalidate(projectId),
    () => authorizer.invalidateAll(),
  )

  // Parsed once at start: a bad key is a startup error, not a failure of every bundle download.
  const signing = config.policy.bundleSigning
  const signer = signing ? createBundleSigner({ algorithm: signing.algorithm, key: signing.key, keyid: signing.keyid, scope: signing.scope }) : undefined

  const YAML_TYPES = ['application/x-yaml', 'application/yaml']
  /**
   * The `yaml` package parses about 2–4 ms per KiB on this machine, synchronously (JSON.parse: a few
   * microseconds), so a YAML body near the general body limit would hold the event loop for
   * seconds. 8 KiB keeps it to a few tens of milliseconds; larger documents go as JSON.
   */
  const YAML_MAX_BYTES = 8 * 1024

  async function routes(app: FastifyInstance) {
    await app.register(async (opa) => {
      // OPA's server encodings: gzip request bodies (`Content-Encoding: gzip`) and gzip answers of
      // 1 KiB or more to clients that accept them (the default of OPA's server.encoding.gzip).
      // The body limit counts decompressed bytes, so a small bomb is refused like a large body.
      await opa.register(compress, { global: true, encodings: ['gzip'], threshold: 1024, requestEncodings: ['gzip'] })
      // OPA takes YAML wherever it takes JSON (data documents, decision input).
      opa.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: YAML_MAX_BYTES }, (_req, body, done) => {
        const parsed = parseYamlValue(body as string)
        if (parsed.ok) return done(null, parsed.value)
        const why = parsed.problem === 'depth' ? `nests collections more than ${parsed.detail} levels deep` : parsed.problem === 'syntax' ? `is not valid YAML (${parsed.detail})` : `has a value with no JSON equivalent at '/${parsed.detail}'`
        done(PolicyErrors.invalidParameter(`the YAML body ${why}`))
      })
      await opa.register(opaDataRoutes, { service })
      await opa.register(opaPolicyRoutes, { service })
      await opa.register(opaCompileRoutes, { service })
      await opa.register(opaConfigRoutes, { store, dc: config.dc, version: DYAD_VERSION })
    })
    await app.register(decisionRoutes, { decisions })
    await app.register(bundleRoutes, { service, store, maxBundleBytes: config.policy.maxBundleBytes, ...(signer ? { signer } : {}) })
    await app.register(authzPolicyRoutes, { store, authorizer, maxBytes: config.policy.maxModuleBytes })
  }

  return {
    name: 'policy',
    plugin: fp(routes, { name: 'dyad-policy', dependencies: [GATEWAY_PLUGIN], encapsulate: true }),
    actions: policyActions,
    schemas: [],
    authorizer,
    decider: { evaluate: (projectId, path, input, fallback) => service.evaluateWithFallback(projectId, path, input, fallback) },
    /** Partial evaluation for data filters (rag's read access inside its retrieval query). */
    filters: { compileFilter: (projectId, req) => service.compileFilter(projectId, req) },
    async onProjectDeleted(projectId) {
      await store.deleteProject(projectId)
      // Buffered events of the project are dropped, not written after its log is deleted.
      await decisions.forget(projectId)
      await ctx.ports.appData.deleteCollection(projectId, DECISION_LOGS)
      authorizer.forget(projectId)
    },
    async close() {
      await watch.cancel().catch(() => {})
      await lastKnown.flush()
      await decisions.close()
    },
  }
}
