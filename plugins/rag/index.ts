/**
 * The rag domain: knowledge bases, document upload and ingestion jobs, hybrid retrieval on
 * Postgres + pgvector (or PGlite) with access decided by the project's read policy inside the
 * query, and answers with verified citations. Knowledge-base definitions, job records and
 * conversations are app data (Cosmos DB in production); the job queue runs on the SQL store, so
 * workers of both DCs share it.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { DomainModule, ServiceContext } from '../../src/contracts/domain.ts'
import { GATEWAY_PLUGIN } from '../../src/contracts/domain.ts'
import { ragActions } from './actions.ts'
import { createIngestHandler, type IngestJobPayload } from './ingest.ts'
import type { Reader } from './model.ts'
import { kbRoutes } from './routes/kbs.ts'
import { searchRoutes } from './routes/search.ts'
import { openAiRoutes } from './routes/openai.ts'
import { createOpenAiVectorStores } from './openai/vector-stores.ts'
import { ragSchemas } from './schemas.ts'
import { createRagService, INGEST_QUEUE, KB_CACHE_MS, REINDEX_QUEUE } from './service.ts'
import { createReindexHandler, type ReindexPayload } from './reindex.ts'

export { ragActions } from './actions.ts'

export async function createRagDomain(ctx: ServiceContext) {
  const { config, log } = ctx
  const { retrieval: store, appData, jobs } = ctx.ports
  const service = createRagService({ store, appData, jobs, filters: ctx.filters, llm: ctx.llm, limits: config.rag })
  const handle = createIngestHandler({ store, appData, getKb: service.getKb, embedderFor: service.embedderFor, afterPublish: service.maybeReindex, log })
  await jobs.work<IngestJobPayload>(INGEST_QUEUE, { concurrency: config.rag.ingestConcurrency }, handle)
  const reindex = createReindexHandler({ store, appData, models: service.models, embedderFor: service.embedderFor, kbCacheMs: KB_CACHE_MS, forgetKb: service.forgetKb })
  await jobs.work<ReindexPayload>(REINDEX_QUEUE, { concurrency: 1 }, reindex)

  /** The read policy's `input.subject`: the caller, its groups (JWT claim) and its roles in the project. */
  async function readerOf(req: { principal: { subject: string; platformAdmin: boolean; groups?: string[] }; params: unknown }): Promise<Reader> {
    const projectId = (req.params as { projectId: string }).projectId
    const role = await ctx.members.roleOf(projectId, req.principal.subject)
    const roles = [...(role ? [role] : []), ...(req.principal.platformAdmin ? ['platform-admin'] : [])]
    return { id: req.principal.subject, groups: req.principal.groups ?? [], roles }
  }

  const vectorStores = createOpenAiVectorStores({ service, appData, maxFileBytes: config.rag.maxDocumentBytes })

  async function routes(app: FastifyInstance) {
    await app.register(kbRoutes, { service, readerOf, maxDocumentBytes: config.rag.maxDocumentBytes })
    await app.register(searchRoutes, { service, readerOf })
    await app.register(openAiRoutes, { stores: vectorStores, readerOf, maxFileBytes: config.rag.maxDocumentBytes })
  }

  return {
    name: 'rag',
    plugin: fp(routes, { name: 'dyad-rag', dependencies: [GATEWAY_PLUGIN], encapsulate: true }),
    actions: ragActions,
    schemas: ragSchemas,
    service,
    async onProjectDeleted(projectId: string) {
      await service.onProjectDeleted(projectId)
      await vectorStores.onProjectDeleted(projectId)
    },
    async close() {},
  }
}

export const ragDomain: DomainModule = { actions: ragActions, create: createRagDomain }
