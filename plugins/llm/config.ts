/**
 * Each project's LLM gateway configuration: its providers (where to call, never the key), its
 * model aliases (an ordered list of provider/model targets, with optional weights), token and
 * request budgets, and guards. Stored as one JSON document per project in the key-value port
 * (etcd), under `llm/config/<projectId>`, and served from memory (src/infra/kv/doc-cache.ts), so a
 * change made in either DC reaches every process without a read on the request path.
 *
 * Every project has the offline provider and its models built in, and `default-chat` /
 * `default-embed` point at them until the project maps them elsewhere: a fresh Dyad answers chat
 * and embeddings with no setup.
 */
import { RE2JS } from 're2js'
import type { FastifyBaseLogger } from 'fastify'
import type { KvStore } from '../../src/infra/ports/kv.ts'
import { createKvDocCache } from '../../src/infra/kv/doc-cache.ts'
import { LlmErrors } from './errors.ts'

export type ProviderType = 'openai' | 'anthropic' | 'offline'

export interface ProviderConfig {
  type: ProviderType
  /** API base URL (OpenAI-compatible endpoints: Azure OpenAI, vLLM, Ollama; or Anthropic's). */
  baseUrl?: string
  /** Per attempt: a target that has not answered (or, streaming, sent its first event) by then is skipped. */
  timeoutMs?: number
  /** Whether the provider needs a key from the secrets port (`llm/<projectId>/<provider>`, field apiKey). */
  keyRequired?: boolean
}

export interface Target {
  provider: string
  model: string
  /** Present on any target: the alias load-balances by weight, the rest of the list is the fallback. */
  weight?: number
  /** USD per million tokens, for usage cost. */
  price?: { input: number; output: number }
}

export interface ModelAlias {
  kind: 'chat' | 'embedding'
  targets: Target[]
}

export interface Budgets {
  /** LLM tokens (in + out) per calendar month (UTC), for the whole project. */
  tokensPerMonth?: number
  /** LLM requests per UTC day, for the whole project. */
  requestsPerDay?: number
  /** The same, per API key (or per JWT subject). */
  keyTokensPerMonth?: number
  keyRequestsPerDay?: number
}

export interface Guards {
  /** RE2 patterns; a prompt matching any is refused (and, with checkOutput, a non-streamed answer). */
  denyPatterns?: string[]
  checkOutput?: boolean
  /** Largest prompt text, in UTF-8 bytes. */
  maxPromptBytes?: number
  /** Log prompts (masked) with the access log. Off unless the project turns it on. */
  logPrompts?: boolean
}

export interface LlmConfig {
  providers: Record<string, ProviderConfig>
  models: Record<string, ModelAlias>
  budgets: Budgets
  guards: Guards
}

export const OFFLINE_PROVIDER = 'offline'
export const OFFLINE_CHAT = 'offline-chat'
export const OFFLINE_EMBED = 'offline-embed'

const BUILT_IN: LlmConfig = {
  providers: { [OFFLINE_PROVIDER]: { type: 'offline' } },
  models: {
    [OFFLINE_CHAT]: { kind: 'chat', targets: [{ provider: OFFLINE_PROVIDER, model: OFFLINE_CHAT, price: { input: 0, output: 0 } }] },
    [OFFLINE_EMBED]: { kind: 'embedding', targets: [{ provider: OFFLINE_PROVIDER, model: OFFLINE_EMBED, price: { input: 0, output: 0 } }] },
    'default-chat': { kind: 'chat', targets: [{ provider: OFFLINE_PROVIDER, model: OFFLINE_CHAT, price: { input: 0, output: 0 } }] },
    'default-embed': { kind: 'embedding', targets: [{ provider: OFFLINE_PROVIDER, model: OFFLINE_EMBED, price: { input: 0, output: 0 } }] },
  },
  budgets: {},
  guards: {},
}

const NAME = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'
const TOKENS = { type: 'integer', minimum: 0, maximum: 1e15 }
const PRICE = { type: 'number', minimum: 0, maximum: 1e6 }

/** The stored document's JSON Schema (also the route's body schema, so it is in OpenAPI). */
export const LlmConfigSchema = {
  $id: 'LlmConfig',
  type: 'object',
  additionalProperties: false,
  properties: {
    providers: {
      type: 'object',
      maxProperties: 32,
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['type'],
        properties: {
          type: { type: 'string', enum: ['openai', 'anthropic', 'offline'] },
          baseUrl: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 },
          timeoutMs: { type: 'integer', minimum: 100, maximum: 600_000 },
          keyRequired: { type: 'boolean' },
        },
      },
    },
    models: {
      type: 'object',
      maxProperties: 256,
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['targets'],
        properties: {
          kind: { type: 'string', enum: ['chat', 'embedding'], default: 'chat' },
          targets: {
            type: 'array',
            minItems: 1,
            maxItems: 8,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['provider', 'model'],
              properties: {
                provider: { type: 'string', pattern: NAME },
                model: { type: 'string', minLength: 1, maxLength: 256 },
                weight: { type: 'number', exclusiveMinimum: 0, maximum: 1000 },
                price: { type: 'object', additionalProperties: false, required: ['input', 'output'], properties: { input: PRICE, output: PRICE } },
              },
            },
          },
        },
      },
    },
    budgets: {
      type: 'object',
      additionalProperties: false,
      properties: { tokensPerMonth: TOKENS, requestsPerDay: TOKENS, keyTokensPerMonth: TOKENS, keyRequestsPerDay: TOKENS },
    },
    guards: {
      type: 'object',
      additionalProperties: false,
      properties: {
        denyPatterns: { type: 'array', maxItems: 64, items: { type: 'string', minLength: 1, maxLength: 1024 } },
        checkOutput: { type: 'boolean' },
        maxPromptBytes: { type: 'integer', minimum: 1, maximum: 64 * 1024 * 1024 },
        logPrompts: { type: 'boolean' },
      },
    },
  },
} as const

/** The project's document merged over the built-ins (its own entries win). */
export function effectiveConfig(stored: Partial<LlmConfig> | undefined): LlmConfig {
  if (!stored) return BUILT_IN
  return {
    providers: { ...BUILT_IN.providers, ...stored.providers },
    models: { ...BUILT_IN.models, ...stored.models },
    budgets: stored.budgets ?? {},
    guards: stored.guards ?? {},
  }
}

/** Checks what the schema cannot: targets name known providers of the right kind, patterns compile under RE2. */
export function checkConfig(doc: Partial<LlmConfig>): void {
  const eff = effectiveConfig(doc)
  for (const [name, alias] of Object.entries(doc.models ?? {})) {
    for (const t of alias.targets) {
      const p = eff.providers[t.provider]
      if (!p) throw LlmErrors.invalidConfig(`model ${name}: provider ${t.provider} is not configured`, { model: name, provider: t.provider })
      if (p.type === 'anthropic' && (alias.kind ?? 'chat') === 'embedding') throw LlmErrors.invalidConfig(`model ${name}: Anthropic has no embeddings API`, { model: name })
    }
  }
  for (const [name, p] of Object.entries(doc.providers ?? {})) {
    if (p.type !== 'offline' && !p.baseUrl && p.type === 'openai' && p.keyRequired === false) {
      throw LlmErrors.invalidConfig(`provider ${name}: an OpenAI-compatible endpoint without a key needs its baseUrl`, { provider: name })
    }
  }
  for (const pattern of doc.guards?.denyPatterns ?? []) {
    try {
      RE2JS.compile(pattern)
    } catch (err) {
      throw LlmErrors.invalidConfig(`deny pattern ${JSON.stringify(pattern)} is not a valid RE2 expression: ${(err as Error).message}`, { pattern })
    }
  }
}

const PREFIX = 'llm/config/'

export interface LlmConfigCache {
  /** The effective config of a project (built-ins when it has none); waits only before the first load. */
  get(projectId: string): LlmConfig | Promise<LlmConfig>
  /** The project's own stored document, for the admin read. */
  stored(projectId: string): Promise<{ doc: Partial<LlmConfig>; revision: number } | undefined>
  put(projectId: string, doc: Partial<LlmConfig>): Promise<void>
  delete(projectId: string): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
}

export function createLlmConfigCache(kv: KvStore, log: FastifyBaseLogger): LlmConfigCache {
  const docs = createKvDocCache<LlmConfig>({ kv, prefix: PREFIX, parse: (doc) => effectiveConfig(doc as Partial<LlmConfig>), log })
  return {
    get(projectId) {
      const hit = docs.get(projectId)
      if (!(hit instanceof Promise)) return hit ?? BUILT_IN
      return hit.then(
        (c) => c ?? BUILT_IN,
        () => {
          throw LlmErrors.configUnavailable('the LLM configuration store is unreachable and this process has not loaded it yet')
        },
      )
    },
    stored: (projectId) => docs.stored(projectId) as Promise<{ doc: Partial<LlmConfig>; revision: number } | undefined>,
    put: (projectId, doc) => docs.put(projectId, doc),
    delete: (projectId) => docs.delete(projectId),
    start: () => docs.start(),
    close: () => docs.close(),
  }
}
