/** A project's LLM gateway settings (providers, aliases, budgets, guards), provider keys, usage and budget state. */
import type { FastifyInstance } from 'fastify'
import { IdSchema } from '../../../src/contracts/schemas.ts'
import { checkConfig, type LlmConfig, type LlmConfigCache } from '../config.ts'
import { LlmErrors } from '../errors.ts'
import type { ProviderKeys } from '../keys.ts'
import type { LlmService } from '../service.ts'
import type { GroupBy, UsageLedger } from '../usage.ts'
import { callerOf } from './wire.ts'

const tags = ['llm']
const BASE = '/v1/projects/:projectId/llm'
const projectParams = { type: 'object', required: ['projectId'], properties: { projectId: IdSchema } } as const
const providerParams = { type: 'object', required: ['projectId', 'provider'], properties: { projectId: IdSchema, provider: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$' } } } as const
const configResponse = { type: 'object', required: ['config'], properties: { config: { $ref: 'LlmConfig#' }, revision: { type: 'integer' } } } as const
const DAY = 86_400_000

export async function adminRoutes(app: FastifyInstance, { configs, keys, usage, service }: { configs: LlmConfigCache; keys: ProviderKeys; usage: UsageLedger; service: LlmService }) {
  app.get<{ Params: { projectId: string } }>(`${BASE}/config`, {
    config: { action: 'llm.config.read' },
    schema: { tags, summary: "The project's LLM configuration as stored (built-in offline models apply on top)", params: projectParams, response: { 200: configResponse } },
    handler: async (req) => {
      const stored = await configs.stored(req.params.projectId)
      return { config: stored?.doc ?? {}, ...(stored ? { revision: stored.revision } : {}) }
    },
  })

  app.put<{ Params: { projectId: string }; Body: Partial<LlmConfig> }>(`${BASE}/config`, {
    config: { action: 'llm.config.write' },
    schema: { tags, summary: 'Replace the LLM configuration: providers (never their keys), model aliases, budgets, guards', params: projectParams, body: { $ref: 'LlmConfig#' }, response: { 200: configResponse } },
    handler: async (req) => {
      checkConfig(req.body)
      await configs.put(req.params.projectId, req.body)
      return { config: req.body }
    },
  })

  app.delete<{ Params: { projectId: string } }>(`${BASE}/config`, {
    config: { action: 'llm.config.write' },
    schema: { tags, summary: 'Remove the LLM configuration (back to the built-in offline models)', params: projectParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await configs.delete(req.params.projectId)
      return reply.code(204).send()
    },
  })

  app.put<{ Params: { projectId: string; provider: string }; Body: { apiKey: string } }>(`${BASE}/providers/:provider/key`, {
    config: { action: 'llm.keys.write' },
    schema: {
      tags,
      summary: "Store a provider's API key in the secrets store (write-only; calls pick it up within the key cache TTL, at once in this process)",
      params: providerParams,
      body: { type: 'object', required: ['apiKey'], additionalProperties: false, properties: { apiKey: { type: 'string', minLength: 1, maxLength: 4096 } } },
      response: { 204: { type: 'null' } },
    },
    handler: async (req, reply) => {
      await keys.put(req.params.projectId, req.params.provider, req.body.apiKey)
      return reply.code(204).send()
    },
  })

  app.delete<{ Params: { projectId: string; provider: string } }>(`${BASE}/providers/:provider/key`, {
    config: { action: 'llm.keys.write' },
    schema: { tags, summary: "Remove a provider's API key", params: providerParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      if (!(await keys.delete(req.params.projectId, req.params.provider))) throw LlmErrors.providerNotFound(`provider ${req.params.provider} has no stored key`)
      return reply.code(204).send()
    },
  })

  app.get<{ Params: { projectId: string }; Querystring: { from?: string; to?: string; groupBy?: GroupBy } }>(`${BASE}/usage`, {
    config: { action: 'llm.usage.read' },
    schema: {
      tags,
      summary: 'LLM usage (requests, errors, tokens in and out, cost, latency) grouped by model, provider, key, DC, alias or day',
      params: projectParams,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, groupBy: { type: 'string', enum: ['model', 'provider', 'key', 'dc', 'alias', 'day'], default: 'model' } },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            groupBy: { type: 'string' },
            items: { type: 'array', items: { type: 'object', properties: { group: { type: 'string' }, requests: { type: 'integer' }, errors: { type: 'integer' }, inputTokens: { type: 'integer' }, outputTokens: { type: 'integer' }, costUsd: { type: 'number' }, avgLatencyMs: { type: 'integer' } } } },
          },
        },
      },
    },
    handler: async (req) => {
      const to = req.query.to ? new Date(req.query.to) : new Date(Date.now() + 1000)
      const from = req.query.from ? new Date(req.query.from) : new Date(to.getTime() - 30 * DAY)
      if (!(from < to)) throw LlmErrors.invalidRequest('from must be before to')
      await usage.flush()
      const groupBy = req.query.groupBy ?? 'model'
      return { from: from.toISOString(), to: to.toISOString(), groupBy, items: await usage.summary(req.params.projectId, { from, to, groupBy }) }
    },
  })

  app.get<{ Params: { projectId: string } }>(`${BASE}/budget`, {
    config: { action: 'llm.usage.read' },
    schema: {
      tags,
      summary: "The project's budgets this period (and the calling key's): limit, leased out (spent or held by a process), held by this process",
      params: projectParams,
      response: { 200: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { scope: { type: 'string' }, unit: { type: 'string' }, period: { type: 'string' }, limit: { type: 'integer' }, leased: { type: 'integer' }, heldHere: { type: 'integer' } } } } } } },
    },
    handler: async (req) => ({ items: await service.budget({ ...callerOf(req), projectId: req.params.projectId }) }),
  })
}
