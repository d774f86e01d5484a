/**
 * The LLM gateway's service (no Fastify): resolve the model alias to targets, apply the project's
 * guards, reserve the request's worst-case cost against its budgets, call the targets in order
 * with fallback, settle with the provider's usage, and account the call. The wire routes and rag's
 * in-process facade both call it, so both get the same quotas, accounting and fallback.
 *
 * Fallback: a target that fails with 429, 5xx, a timeout, a connection error or a refused key is
 * followed by the next (at most one pass over the list, with a short backoff), but only before
 * anything reached the client: once a stream has sent its first event, a failure ends it.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { Metrics } from '../../src/contracts/metrics.ts'
import type { QuotaStore } from '../../src/infra/ports/quota.ts'
import type { QuotaItem, QuotaPool, Reservation } from '../../src/infra/quota/pool.ts'
import type { LlmConfig, LlmConfigCache, ModelAlias, ProviderConfig, Target } from './config.ts'
import { LlmErrors } from './errors.ts'
import { checkPrompt, deniedBy, maskPrompt } from './guards.ts'
import type { ProviderKeys } from './keys.ts'
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamEvent, Usage } from './model.ts'
import { promptTexts } from './model.ts'
import { createAnthropicProvider, DEFAULT_MAX_TOKENS as ANTHROPIC_DEFAULT } from './providers/anthropic.ts'
import { createOfflineProvider } from './providers/offline.ts'
import { createOpenAiProvider } from './providers/openai.ts'
import { type Provider, type ProviderCall, UpstreamFailure } from './providers/types.ts'
import { countPrompt, countShort, countTokens, familyOf } from './tokens.ts'
import type { UsageLedger } from './usage.ts'

export interface Caller {
  projectId: string
  subject: string
  keyId?: string
  requestId?: string
  log?: FastifyBaseLogger
}

export interface LlmServiceOptions {
  configs: LlmConfigCache
  keys: ProviderKeys
  pool: QuotaPool
  quota: QuotaStore
  usage: UsageLedger
  metrics: Metrics
  dc: string
  log: FastifyBaseLogger
  timeoutMs: number
  defaultMaxTokens: number
  maxPromptBytes: number
  /** Providers by type; tests may swap one. */
  providers?: Partial<Record<ProviderConfig['type'], Provider>>
}

interface Resolved {
  alias: string
  targets: Array<{ target: Target; name: string; provider: ProviderConfig }>
}

const MAX_BACKOFF_MS = 1000

export const period = {
  month: (d = new Date()) => d.toISOString().slice(0, 7),
  day: (d = new Date()) => d.toISOString().slice(0, 10),
}

export function bucketName(projectId: string, scope: string, unit: 'tokens' | 'requests', p: string) {
  return `${projectId}|${scope}|${unit}|${p}`
}

export function createLlmService(opts: LlmServiceOptions) {
  const providers: Record<ProviderConfig['type'], Provider> = {
    offline: createOfflineProvider(),
    openai: createOpenAiProvider(),
    anthropic: createAnthropicProvider(),
    ...opts.providers,
  }
  const m = opts.metrics
  const requests = m.counter('dyad_llm_requests_total', 'LLM calls by project, endpoint, provider, model and outcome.', ['project', 'endpoint', 'provider', 'model', 'status'])
  const tokens = m.counter('dyad_llm_tokens_total', 'LLM tokens by project, provider, model and direction (input, output).', ['project', 'provider', 'model', 'direction'])
  const cost = m.counter('dyad_llm_cost_usd_total', 'LLM cost in USD from the configured prices.', ['project', 'provider', 'model'])
  const upstreamLatency = m.histogram('dyad_llm_upstream_duration_seconds', 'Upstream call duration (whole answer).', ['provider'], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60])
  const ttft = m.histogram('dyad_llm_time_to_first_token_seconds', 'Time from the call to the first streamed event.', ['provider'], [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
  const rejections = m.counter('dyad_llm_rejections_total', 'LLM calls refused before any provider was called, by reason.', ['project', 'reason'])
  const providerErrors = m.counter('dyad_llm_provider_errors_total', 'Failed upstream attempts by provider and error code (HTTP status or kind).', ['provider', 'code'])
  const fallbacks = m.counter('dyad_llm_fallbacks_total', 'Attempts moved on to the next target.', ['provider'])
  const overruns = m.counter('dyad_llm_reservation_overruns_total', 'Calls whose reported usage exceeded their reservation (the estimate was short).', ['provider'])

  function reject(projectId: string, reason: string, err: Error): never {
    rejections.inc({ project: projectId, reason })
    throw err
  }

  function resolve(cfg: LlmConfig, model: string, kind: ModelAlias['kind']): Resolved {
    let alias = cfg.models[model]
    if (!alias) {
      // `provider/model` names a provider's model directly.
      const slash = model.indexOf('/')
      const name = slash > 0 ? model.slice(0, slash) : ''
      if (!cfg.providers[name]) throw LlmErrors.modelNotFound(`model ${JSON.stringify(model)} is not an alias of this project nor provider/model`, { model })
      alias = { kind, targets: [{ provider: name, model: model.slice(slash + 1) }] }
    }
    if ((alias.kind ?? 'chat') !== kind) throw LlmErrors.wrongKind(`model ${model} is a${alias.kind === 'embedding' ? 'n embedding' : ' chat'} model`, { model })
    let targets = alias.targets
    if (targets.some((t) => t.weight !== undefined)) targets = weightedOrder(targets)
    return {
      alias: model,
      targets: targets.map((t) => {
        const provider = cfg.providers[t.provider]
        if (!provider) throw LlmErrors.providerNotFound(`provider ${t.provider} is not configured`, { provider: t.provider })
        return { target: t, name: t.provider, provider }
      }),
    }
  }

  // ---- budgets -------------------------------------------------------------------------------

  function scopes(caller: Caller) {
    return { project: 'project', key: caller.keyId ? `key:${caller.keyId}` : `sub:${caller.subject}` }
  }

  function tokenItems(cfg: LlmConfig, caller: Caller, amount: number): QuotaItem[] {
    const s = scopes(caller)
    const p = period.month()
    const items: QuotaItem[] = []
    if (cfg.budgets.tokensPerMonth !== undefined) items.push({ bucket: bucketName(caller.projectId, s.project, 'tokens', p), projectId: caller.projectId, amount, limit: cfg.budgets.tokensPerMonth })
    if (cfg.budgets.keyTokensPerMonth !== undefined) items.push({ bucket: bucketName(caller.projectId, s.key, 'tokens', p), projectId: caller.projectId, amount, limit: cfg.budgets.keyTokensPerMonth })
    return items
  }

  function requestItems(cfg: LlmConfig, caller: Caller): QuotaItem[] {
    const s = scopes(caller)
    const p = period.day()
    const items: QuotaItem[] = []
    if (cfg.budgets.requestsPerDay !== undefined) items.push({ bucket: bucketName(caller.projectId, s.project, 'requests', p), projectId: caller.projectId, amount: 1, limit: cfg.budgets.requestsPerDay })
    if (cfg.budgets.keyRequestsPerDay !== undefined) items.push({ bucket: bucketName(caller.projectId, s.key, 'requests', p), projectId: caller.projectId, amount: 1, limit: cfg.budgets.keyRequestsPerDay })
    return items
  }

  async function reserveSafely(items: QuotaItem[]): Promise<Reservation | undefined> {
    try {
      return await opts.pool.reserve(items)
    } catch (err) {
      opts.log.error({ err }, 'quota ledger unreachable')
      throw LlmErrors.ledgerUnavailable('the budget ledger cannot be reached; the call was not made')
    }
  }

  /** What the token budgets have left for this caller (the smallest of them), read from the store. */
  async function remainingTokens(items: QuotaItem[]): Promise<number> {
    const leased = await opts.quota.leased(items.map((i) => i.bucket))
    return Math.min(...items.map((i) => i.limit - (leased.get(i.bucket) ?? 0) + opts.pool.held(i.bucket)))
  }

  interface Budget {
    requests?: Reservation
    tokens?: Reservation
    prompt: number
    maxTokens: number
  }

  /** Reserves one request and the call's worst-case tokens (prompt + output cap, the cap lowered to what remains). */
  async function reserve(cfg: LlmConfig, caller: Caller, prompt: number, maxTokens: number): Promise<Budget> {
    const reqItems = requestItems(cfg, caller)
    const requests = reqItems.length ? await reserveSafely(reqItems) : undefined
    if (reqItems.length && !requests) reject(caller.projectId, 'quota', LlmErrors.quotaExceeded('the request quota for today is used up', { unit: 'requests', period: period.day() }))
    let items = tokenItems(cfg, caller, prompt + maxTokens)
    if (items.length === 0) return { requests, prompt, maxTokens }
    let tokensRes = await reserveSafely(items).catch((err) => (requests?.settle(() => 0), Promise.reject(err)))
    if (!tokensRes) {
      const left = await remainingTokens(items).catch(() => 0)
      if (left > prompt) {
        maxTokens = Math.min(maxTokens, left - prompt)
        items = tokenItems(cfg, caller, prompt + maxTokens)
        tokensRes = await reserveSafely(items).catch(() => undefined)
      }
    }
    if (!tokensRes) {
      requests?.settle(() => 0)
      reject(caller.projectId, 'budget', LlmErrors.budgetExceeded(`the token budget cannot cover this call (prompt ${prompt} tokens)`, { unit: 'tokens', period: period.month(), promptTokens: prompt }))
    }
    return { requests, tokens: tokensRes, prompt, maxTokens }
  }

  function settle(budget: Budget, usage: Usage | undefined, provider: string) {
    budget.requests?.settle(() => (usage ? 1 : 0))
    if (!budget.tokens) return
    const spent = usage ? usage.inputTokens + usage.outputTokens : 0
    const reserved = budget.prompt + budget.maxTokens
    if (spent > reserved) overruns.inc({ provider })
    budget.tokens.settle(() => spent)
  }

  // ---- calls ---------------------------------------------------------------------------------

  async function callFor(caller: Caller, t: Resolved['targets'][number], signal: AbortSignal): Promise<ProviderCall> {
    const needsKey = t.provider.type !== 'offline' && t.provider.keyRequired !== false
    const apiKey = needsKey ? await opts.keys.get(caller.projectId, t.name) : undefined
    if (needsKey && !apiKey) throw new UpstreamFailure('http', `provider ${t.name} has no API key in the secrets store`, 424)
    return { model: t.target.model, baseUrl: t.provider.baseUrl, apiKey, timeoutMs: t.provider.timeoutMs ?? opts.timeoutMs, signal }
  }

  /** Runs `fn` on each target in turn until one succeeds or a failure may not be retried. */
  async function withFallback<T>(caller: Caller, resolved: Resolved, signal: AbortSignal | undefined, fn: (call: ProviderCall, provider: Provider, t: Resolved['targets'][number]) => Promise<T>): Promise<{ value: T; t: Resolved['targets'][number] }> {
    let last: UpstreamFailure | undefined
    for (let i = 0; i < resolved.targets.length; i++) {
      const t = resolved.targets[i]!
      if (signal?.aborted) throw LlmErrors.upstreamError('the client went away')
      const ctrl = new AbortController()
      const onAbort = () => ctrl.abort()
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        const call = await callFor(caller, t, ctrl.signal)
        return { value: await withTimeout(fn(call, providers[t.provider.type], t), call.timeoutMs, ctrl), t }
      } catch (err) {
        const f = err instanceof UpstreamFailure ? err : new UpstreamFailure('protocol', (err as Error).message)
        last = f
        providerErrors.inc({ provider: t.name, code: f.kind === 'http' ? String(f.status) : f.kind })
        if (f.status === 401 || f.status === 403) opts.keys.forget(caller.projectId, t.name)
        ;(caller.log ?? opts.log).warn({ provider: t.name, model: t.target.model, kind: f.kind, status: f.status, err: f.message }, 'llm upstream attempt failed')
        if (!f.retryable || i === resolved.targets.length - 1) break
        fallbacks.inc({ provider: t.name })
        await sleep(Math.min(f.retryAfterMs ?? 50 * 2 ** i, MAX_BACKOFF_MS))
      } finally {
        signal?.removeEventListener('abort', onAbort)
      }
    }
    throw toClientError(last)
  }

  function account(caller: Caller, endpoint: string, alias: string, t: Resolved['targets'][number] | undefined, usage: Usage | undefined, status: 'ok' | 'error' | 'aborted', started: number, extra: { ttftMs?: number; errorCode?: string; model?: string } = {}) {
    const provider = t?.name ?? 'none'
    const model = extra.model ?? t?.target.model ?? 'none'
    const price = t?.target.price
    const usd = usage && price ? (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1e6 : 0
    const latencyMs = performance.now() - started
    requests.inc({ project: caller.projectId, endpoint, provider, model, status })
    if (usage) {
      tokens.inc({ project: caller.projectId, provider, model, direction: 'input' }, usage.inputTokens)
      tokens.inc({ project: caller.projectId, provider, model, direction: 'output' }, usage.outputTokens)
      if (usd > 0) cost.inc({ project: caller.projectId, provider, model }, usd)
    }
    if (t) upstreamLatency.observe({ provider }, latencyMs / 1000)
    opts.usage.record({ at: new Date(), projectId: caller.projectId, keyId: caller.keyId, subject: caller.subject, endpoint, alias, provider: t?.name, model, dc: opts.dc, status, errorCode: extra.errorCode, inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0, costUsd: usd, latencyMs, ttftMs: extra.ttftMs, requestId: caller.requestId })
    ;(caller.log ?? opts.log).info({ llm: { project: caller.projectId, subject: caller.subject, keyId: caller.keyId, endpoint, alias, provider, model, status, inputTokens: usage?.inputTokens, outputTokens: usage?.outputTokens, costUsd: usd, latencyMs: Math.round(latencyMs), ttftMs: extra.ttftMs, dc: opts.dc } }, 'llm call')
  }

  async function prepare(caller: Caller, req: ChatRequest) {
    const cfg = await opts.configs.get(caller.projectId)
    const resolved = resolve(cfg, req.model, 'chat')
    const texts = promptTexts(req)
    try {
      checkPrompt(cfg.guards, opts.maxPromptBytes, texts)
    } catch (err) {
      reject(caller.projectId, 'guard', err as Error)
    }
    if (cfg.guards.logPrompts) (caller.log ?? opts.log).info({ llmPrompt: maskPrompt(texts.join('\n')) }, 'llm prompt')
    // The reservation must cover the costliest target's count (their tokenizers differ).
    let prompt = 0
    const families = new Set(resolved.targets.map((t) => familyOf(t.target.model)))
    for (const f of families) prompt = Math.max(prompt, await countPrompt(f === 'bytes' ? 'unknown' : f === 'o200k' ? 'gpt-4o' : 'gpt-4', texts, req.messages.length))
    prompt += 8 * (req.tools?.length ?? 0)
    const anthropic = resolved.targets.some((t) => t.provider.type === 'anthropic')
    const maxTokens = req.maxTokens ?? (anthropic ? Math.min(ANTHROPIC_DEFAULT, opts.defaultMaxTokens) : opts.defaultMaxTokens)
    const budget = await reserve(cfg, caller, prompt, maxTokens)
    return { cfg, resolved, budget, req: { ...req, maxTokens: budget.maxTokens } }
  }

  return {
    /** A whole (non-streamed) chat answer. */
    async chat(caller: Caller, request: ChatRequest, endpoint: string, signal?: AbortSignal): Promise<ChatResponse> {
      const started = performance.now()
      const { cfg, resolved, budget, req } = await prepare(caller, request)
      let result: { value: ChatResponse; t: Resolved['targets'][number] }
      try {
        result = await withFallback(caller, resolved, signal, (call, p) => p.chat(req, call))
      } catch (err) {
        settle(budget, undefined, 'none')
        account(caller, endpoint, resolved.alias, undefined, undefined, 'error', started, { errorCode: (err as { code?: string }).code })
        throw err
      }
      const r = result.value
      settle(budget, r.usage, result.t.name)
      account(caller, endpoint, resolved.alias, result.t, r.usage, 'ok', started, { model: r.model })
      if (cfg.guards.checkOutput) {
        const texts = r.parts.map((p) => (p.type === 'text' ? p.text : p.arguments))
        if (deniedBy(cfg.guards, texts) !== undefined) reject(caller.projectId, 'guard', LlmErrors.outputDenied('the answer matches a deny pattern of this project; it was withheld'))
      }
      return r
    },

    /**
     * A streamed chat answer. Resolves once the first event is in hand (so every failure up to
     * then can fall back to the next target); the returned events start with that one. Iterate
     * to the end or call `return()`: either settles the budget and accounts the call.
     */
    async stream(caller: Caller, request: ChatRequest, endpoint: string, signal?: AbortSignal): Promise<{ model: string; events: AsyncGenerator<StreamEvent, void, undefined> }> {
      const started = performance.now()
      const { resolved, budget, req } = await prepare(caller, request)
      let opened: { value: { first: IteratorResult<StreamEvent>; it: AsyncIterator<StreamEvent> }; t: Resolved['targets'][number] }
      try {
        opened = await withFallback(caller, resolved, signal, async (call, p) => {
          const it = p.stream(req, call)[Symbol.asyncIterator]()
          const first = await it.next()
          if (first.done) throw new UpstreamFailure('protocol', 'the provider stream ended before any event')
          return { first, it }
        })
      } catch (err) {
        settle(budget, undefined, 'none')
        account(caller, endpoint, resolved.alias, undefined, undefined, 'error', started, { errorCode: (err as { code?: string }).code })
        throw err
      }
      const { t } = opened
      const ttftMs = performance.now() - started
      ttft.observe({ provider: t.name }, ttftMs / 1000)
      const { first, it } = opened.value
      async function* events(): AsyncGenerator<StreamEvent, void, undefined> {
        let usage: Usage | undefined
        let model: string | undefined
        let streamed = ''
        let status: 'ok' | 'error' | 'aborted' = 'aborted'
        let errorCode: string | undefined
        try {
          let next: IteratorResult<StreamEvent> = first
          while (!next.done) {
            const ev = next.value
            if (ev.type === 'text') streamed += ev.text
            else if (ev.type === 'tool_args') streamed += ev.json
            else if (ev.type === 'end') {
              usage = ev.usage
              model = ev.model
              status = 'ok'
            }
            yield ev
            if (ev.type === 'end') break
            next = await it.next()
          }
          if (status !== 'ok') {
            status = 'error'
            throw LlmErrors.upstreamError('the provider stream ended early')
          }
        } catch (err) {
          status = 'error'
          const f = err instanceof UpstreamFailure ? err : undefined
          if (f) providerErrors.inc({ provider: t.name, code: f.kind === 'http' ? String(f.status) : f.kind })
          errorCode = LlmErrors.upstreamError.code
          throw f ? toClientError(f) : err
        } finally {
          await it.return?.().catch(() => {})
          // A stream that did not finish (client gone, upstream failed) has no reported usage:
          // charge the prompt and what was relayed, counted with the target's tokenizer.
          usage ??= { inputTokens: budget.prompt, outputTokens: countShort(t.target.model, streamed) }
          settle(budget, usage, t.name)
          account(caller, endpoint, resolved.alias, t, usage, status, started, { ttftMs, errorCode, model })
        }
      }
      return { model: t.target.model, events: events() }
    },

    async embed(caller: Caller, req: EmbeddingRequest, endpoint: string, signal?: AbortSignal): Promise<EmbeddingResponse> {
      const started = performance.now()
      const cfg = await opts.configs.get(caller.projectId)
      const resolved = resolve(cfg, req.model, 'embedding')
      try {
        checkPrompt(cfg.guards, opts.maxPromptBytes, req.input)
      } catch (err) {
        reject(caller.projectId, 'guard', err as Error)
      }
      let prompt = 0
      for (const f of new Set(resolved.targets.map((t) => familyOf(t.target.model)))) prompt = Math.max(prompt, await countTokens(f, req.input))
      const budget = await reserve(cfg, caller, prompt, 0)
      let result: { value: EmbeddingResponse; t: Resolved['targets'][number] }
      try {
        result = await withFallback(caller, resolved, signal, (call, p) => {
          if (!p.embed) throw new UpstreamFailure('http', 'this provider has no embeddings API', 400)
          return p.embed({ ...req, model: call.model }, call)
        })
      } catch (err) {
        settle(budget, undefined, 'none')
        account(caller, endpoint, resolved.alias, undefined, undefined, 'error', started, { errorCode: (err as { code?: string }).code })
        throw err
      }
      const usage = { inputTokens: result.value.usage.inputTokens, outputTokens: 0 }
      settle(budget, usage, result.t.name)
      account(caller, endpoint, resolved.alias, result.t, usage, 'ok', started, { model: result.value.model })
      return result.value
    },

    /** Prompt tokens of a request for its first target: the provider's own count when it has one. */
    async countTokens(caller: Caller, req: ChatRequest): Promise<number> {
      const cfg = await opts.configs.get(caller.projectId)
      const resolved = resolve(cfg, req.model, 'chat')
      const t = resolved.targets[0]!
      const p = providers[t.provider.type]
      if (p.countTokens) {
        const { value } = await withFallback(caller, { alias: resolved.alias, targets: [t] }, undefined, (call) => p.countTokens!(req, call))
        return value
      }
      return countPrompt(t.target.model, promptTexts(req), req.messages.length)
    },

    /** The project's chat and embedding models (aliases), for /models. */
    async models(projectId: string) {
      const cfg = await opts.configs.get(projectId)
      return Object.entries(cfg.models).map(([id, a]) => ({ id, kind: a.kind ?? 'chat', targets: a.targets.length }))
    },

    /** The budgets' state this period: limit, what is leased out (spent or held by a process) and what this process holds. */
    async budget(caller: Caller) {
      const cfg = await opts.configs.get(caller.projectId)
      const items = [...tokenItems(cfg, caller, 0).map((i) => ({ ...i, unit: 'tokens' as const, period: period.month() })), ...requestItems(cfg, caller).map((i) => ({ ...i, unit: 'requests' as const, period: period.day() }))]
      const leased = await opts.quota.leased(items.map((i) => i.bucket))
      return items.map((i) => ({ scope: i.bucket.split('|')[1]!, unit: i.unit, period: i.period, limit: i.limit, leased: leased.get(i.bucket) ?? 0, heldHere: opts.pool.held(i.bucket) }))
    },
  }
}

export type LlmService = ReturnType<typeof createLlmService>

function toClientError(f: UpstreamFailure | undefined) {
  if (!f) return LlmErrors.upstreamError('no target could be called')
  if (f.kind === 'timeout') return LlmErrors.upstreamTimeout(f.message)
  if (f.status === 424) return LlmErrors.keyMissing(f.message)
  if (f.kind === 'http' && !f.retryable && f.status !== undefined && f.status >= 400 && f.status < 500) return LlmErrors.upstreamRefused(f.message, { upstreamStatus: f.status })
  return LlmErrors.upstreamError(f.message, f.status ? { upstreamStatus: f.status } : undefined)
}

function weightedOrder(targets: Target[]): Target[] {
  const pool = [...targets]
  const out: Target[] = []
  while (pool.length) {
    const total = pool.reduce((s, t) => s + (t.weight ?? 1), 0)
    let r = Math.random() * total
    let i = 0
    for (; i < pool.length - 1; i++) if ((r -= pool[i]!.weight ?? 1) < 0) break
    out.push(pool.splice(i, 1)[0]!)
  }
  return out
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Rejects with a timeout failure (and aborts the attempt) when `p` has not settled in `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number, ctrl: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctrl.abort()
      reject(new UpstreamFailure('timeout', `the provider did not answer within ${ms} ms`))
    }, ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}
