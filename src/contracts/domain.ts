/**
 * What every domain (plugins/<domain>/) gives the composition root. A domain is built by one
 * factory, `createXDomain(context)`, and returns its Fastify plugin (named, depending on the gateway
 * plugin by name, so Fastify checks the order at boot), its slice of the action catalog, the shared
 * schemas its routes reference, what to do when a project is deleted, and how to stop.
 */
import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify'
import type { DyadConfig } from '../config/types.ts'
import type { Stores } from '../infra/stores.ts'
import type { ActionCatalog } from './authorization.ts'
import type { Metrics } from './metrics.ts'
import type { PolicyDecider } from './policy.ts'
import type { FilterCompiler } from './filter.ts'
import type { LlmFacade } from './llm.ts'
import type { PrincipalDirectory } from './directory.ts'

/** The gateway plugin's name: every domain plugin lists it in `dependencies`. */
export const GATEWAY_PLUGIN = 'dyad-gateway'

export interface DomainContext {
  /** Every port's adapter, built from configuration by the composition root. */
  ports: Stores
  config: DyadConfig
  log: FastifyBaseLogger
  metrics: Metrics
}

export interface Domain {
  name: string
  plugin: FastifyPluginAsync
  actions: ActionCatalog
  /** Schemas with `$id` that routes reference as `{ $ref: 'Name#' }`. */
  schemas: readonly object[]
  /**
   * Deletes everything the domain holds for a project that is being deleted. Must be idempotent: the
   * platform calls it before deleting the project and again after, so that a write racing the
   * deletion cannot leave data behind for a project re-created with the same id.
   */
  onProjectDeleted?(projectId: string): Promise<void>
  close(): Promise<void>
}

/** What domains beyond platform and policy are built with: the context plus the facades of those two. */
export interface ServiceContext extends DomainContext {
  policy: PolicyDecider
  /** Partial evaluation of a policy rule into a data filter (rag's read access inside the query). */
  filters: FilterCompiler
  /** The caller's role in a project (what a domain's own policy input needs beyond the principal). */
  members: Pick<PrincipalDirectory, 'roleOf'>
  /** The LLM gateway's in-process path (resolved once the llm domain is built; called at request time). */
  llm: LlmFacade
}

/**
 * What `plugins/<domain>/index.ts` exports for the composition root: the domain's action slice (known
 * before anything is built, so the catalog is complete when the authorizer is) and its factory.
 */
export interface DomainModule {
  actions: ActionCatalog
  create(ctx: ServiceContext): Promise<Domain>
}
