/**
 * The LLM gateway domain: OpenAI- and Anthropic-compatible endpoints for the official SDKs, provider
 * routes and model aliases per project (in etcd through the KV port), provider keys from the
 * secrets port, fallback across targets, token and request budgets leased from the quota port so
 * both DCs share one budget that cannot be overshot, usage accounting, guards. `facade` is the
 * in-process path the composition root hands to rag: the same budgets, accounting and fallback.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { DomainModule, ServiceContext } from '../../src/contracts/domain.ts'
import { GATEWAY_PLUGIN } from '../../src/contracts/domain.ts'
import { createQuotaPool } from '../../src/infra/quota/pool.ts'
import { llmActions } from './actions.ts'
import { createLlmConfigCache, LlmConfigSchema } from './config.ts'
import { createProviderKeys } from './keys.ts'
import { adminRoutes } from './routes/admin.ts'
import { wireRoutes } from './routes/wire.ts'
import { createLlmService, type Caller } from './service.ts'
import { createUsageLedger } from './usage.ts'
import type { ChatRequest, EmbeddingRequest } from './model.ts'
import type { LlmFacade } from '../../src/contracts/llm.ts'

export { llmActions } from './actions.ts'
export type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse } from './model.ts'

export async function createLlmDomain(ctx: ServiceContext) {
  const { config, log } = ctx
  const configs = createLlmConfigCache(ctx.ports.kv, log)
  await configs.start()
  const keys = createProviderKeys(ctx.ports.secrets, config.llm.keyTtlMs)
  const pool = createQuotaPool({
    store: ctx.ports.quota,
    block: (bucket) => (bucket.includes('|requests|') ? config.quota.requestBlock : config.quota.tokenBlock),
    onError: (err) => log.error({ err }, 'quota give-back failed; the tokens stay counted as spent'),
  })
  const usage = createUsageLedger({ sql: ctx.ports.sql, log })
  const service = createLlmService({
    configs,
    keys,
    pool,
    quota: ctx.ports.quota,
    usage,
    metrics: ctx.metrics,
    dc: config.dc,
    log,
    timeoutMs: config.llm.timeoutMs,
    defaultMaxTokens: config.llm.defaultMaxTokens,
    maxPromptBytes: config.llm.maxPromptBytes,
  })

  async function routes(app: FastifyInstance) {
    await app.register(wireRoutes, { service })
    await app.register(adminRoutes, { configs, keys, usage, service })
  }

  return {
    name: 'llm',
    plugin: fp(routes, { name: 'dyad-llm', dependencies: [GATEWAY_PLUGIN], encapsulate: true }),
    actions: llmActions,
    schemas: [LlmConfigSchema],
    service,
    /** What rag (and any other domain) calls in-process, wired by the composition root. */
    facade: {
      chat: (caller: Caller, req: ChatRequest) => service.chat(caller, req, 'internal.chat'),
      embed: (caller: Caller, req: EmbeddingRequest) => service.embed(caller, req, 'internal.embeddings'),
    },
    /** The neutral text-in, text-out path of src/contracts/llm.ts (what rag's answers use). */
    text: {
      async chat(caller, req) {
        const res = await service.chat(
          caller,
          {
            model: req.model,
            system: req.system,
            messages: req.messages.map((m) => ({ role: m.role, parts: [{ type: 'text' as const, text: m.content }] })),
            maxTokens: req.maxTokens,
            source: { format: 'openai-chat', extra: {} },
          },
          'internal.chat',
        )
        return { text: res.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join(''), model: res.model, usage: res.usage }
      },
      embed: (caller, req) => service.embed(caller, { model: req.model, input: req.input, dimensions: req.dimensions }, 'internal.embeddings'),
    } satisfies LlmFacade,
    async onProjectDeleted(projectId: string) {
      await configs.delete(projectId)
      await keys.deleteProject(projectId)
      await ctx.ports.quota.deleteProject(projectId)
      await usage.deleteProject(projectId)
    },
    async close() {
      await pool.close()
      await usage.close()
      await configs.close()
    },
  }
}

export const llmDomain: DomainModule = { actions: llmActions, create: createLlmDomain }
