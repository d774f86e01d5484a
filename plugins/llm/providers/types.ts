/**
 * What the gateway asks of an upstream provider, in the canonical shape (../model.ts). A provider
 * throws `UpstreamFailure` for anything that went wrong upstream, classified so the router knows
 * whether the next target may be tried.
 */
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamEvent } from '../model.ts'

export interface ProviderCall {
  /** The provider's own model name (the alias already resolved). */
  model: string
  baseUrl?: string
  apiKey?: string
  timeoutMs: number
  signal: AbortSignal
}

export interface Provider {
  chat(req: ChatRequest, call: ProviderCall): Promise<ChatResponse>
  /** Events in order, ending with one `end`; a failure before the first event may be retried elsewhere. */
  stream(req: ChatRequest, call: ProviderCall): AsyncIterable<StreamEvent>
  embed?(req: EmbeddingRequest, call: ProviderCall): Promise<EmbeddingResponse>
  /** Exact prompt tokens, when the provider can count them (Anthropic's count_tokens). */
  countTokens?(req: ChatRequest, call: ProviderCall): Promise<number>
}

export type FailureKind = 'http' | 'timeout' | 'connection' | 'aborted' | 'protocol'

/** A failed upstream call. `retryable`: another target may succeed (429, 5xx, timeouts, connection errors, the provider refusing our key). */
export class UpstreamFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message)
    this.name = 'UpstreamFailure'
  }

  get retryable(): boolean {
    if (this.kind === 'aborted') return false
    if (this.kind !== 'http') return true
    const s = this.status ?? 0
    return s === 408 || s === 409 || s === 429 || s === 401 || s === 403 || s >= 500
  }
}

/**
 * SDK clients by endpoint, key and timeout: made once and reused (connection reuse), the most
 * recent 256 kept; a rotated key makes a new client.
 */
export function sdkClients<C>(make: (call: ProviderCall) => C): (call: ProviderCall) => C {
  const clients = new Map<string, C>()
  return (call) => {
    const id = `${call.baseUrl ?? ''}\0${call.apiKey ?? ''}\0${call.timeoutMs}`
    let c = clients.get(id)
    if (!c) {
      c = make(call)
      if (clients.size >= 256) clients.delete(clients.keys().next().value!)
      clients.set(id, c)
    }
    return c
  }
}

/** Milliseconds from a Retry-After header (seconds or an HTTP date), if present. */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined): number | undefined {
  const v = headers?.get('retry-after-ms') ?? undefined
  if (v && /^\d+(\.\d+)?$/.test(v)) return Number(v)
  const s = headers?.get('retry-after') ?? undefined
  if (!s) return undefined
  if (/^\d+$/.test(s)) return Number(s) * 1000
  const at = Date.parse(s)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/**
 * Classifies an error thrown by the openai or anthropic SDK (both have the same error classes:
 * APIError with status and headers, APIConnectionError, APIConnectionTimeoutError, APIUserAbortError).
 * The message is scrubbed of the key: providers echo part of a rejected key in their error text.
 */
export function fromSdkError(err: unknown, apiKey: string | undefined): UpstreamFailure {
  if (err instanceof UpstreamFailure) return err
  const e = err as { name?: string; status?: number; message?: string; headers?: { get(n: string): string | null }; constructor?: { name?: string } }
  const cls = e?.constructor?.name ?? e?.name ?? ''
  let message = scrub(String(e?.message ?? err), apiKey)
  if (cls === 'APIUserAbortError' || e?.name === 'AbortError') return new UpstreamFailure('aborted', 'the call was cancelled')
  if (cls === 'APIConnectionTimeoutError') return new UpstreamFailure('timeout', 'the provider did not answer in time')
  if (cls === 'APIConnectionError') return new UpstreamFailure('connection', `cannot reach the provider: ${message}`)
  if (typeof e?.status === 'number') return new UpstreamFailure('http', `provider answered ${e.status}: ${message}`, e.status, retryAfterMs(e.headers))
  if (message.length > 500) message = message.slice(0, 500)
  return new UpstreamFailure('protocol', `unexpected provider answer: ${message}`)
}

/** Removes a key (and anything that looks like a provider key) from text that leaves the process. */
export function scrub(text: string, apiKey: string | undefined): string {
  let out = apiKey && apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text
  out = out.replace(/\b(sk-[A-Za-z0-9_-]{6,}|sk-ant-[A-Za-z0-9_-]{6,})/g, '[redacted]')
  return out
}
