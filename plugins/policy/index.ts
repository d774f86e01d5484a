/**
 * The policy domain plugin: OPA's REST API per project under /v1/projects/{id}/opa, bundles,
 * decision logs and the per-project authorization policy. The composition root builds the service
 * and the Rego authorizer (which also backs the gateway's `authorize`) and hands them in.
 */
import type { FastifyInstance } from 'fastify'
import type { RegoAuthorizer } from './authz/authorizer.ts'
import type { DecisionLog } from './decision-log.ts'
import type { PolicyService } from './service.ts'
import type { PolicyStore } from './store.ts'
import { authzPolicyRoutes } from './routes/authz-policy.ts'
import { bundleRoutes } from './routes/bundles.ts'
import { decisionRoutes } from './routes/decisions.ts'
import { opaDataRoutes } from './routes/opa-data.ts'
import { opaPolicyRoutes } from './routes/opa-policies.ts'

export { createRegoAuthorizer, type RegoAuthorizer } from './authz/authorizer.ts'
export { createDecisionLog } from './decision-log.ts'
export { createPolicyService, type PolicyService } from './service.ts'
export { createPolicyStore } from './store.ts'

export interface PolicyPluginOptions {
  service: PolicyService
  store: PolicyStore
  decisions: DecisionLog
  authorizer: RegoAuthorizer
  maxModuleBytes: number
  maxBundleBytes: number
}

export async function policyPlugin(app: FastifyInstance, opts: PolicyPluginOptions) {
  await app.register(opaDataRoutes, { service: opts.service })
  await app.register(opaPolicyRoutes, { service: opts.service })
  await app.register(decisionRoutes, { decisions: opts.decisions })
  await app.register(bundleRoutes, { service: opts.service, maxBundleBytes: opts.maxBundleBytes })
  await app.register(authzPolicyRoutes, { store: opts.store, authorizer: opts.authorizer, maxBytes: opts.maxModuleBytes })
}
