/** The client's requests: URLs, headers, a deadline per request, and Dyad's answers parsed. */
import { CmsClientError, ClientCodes, errorFromResponse, transportError } from './errors.ts'
import type { CmsClientOptions, ConfigSnapshot } from './types.ts'

export interface Requester {
  /** `/v1/projects/<p>/cms/...` with the client query (clientId, labels) and `extra` appended. */
  url(path: string, extra?: Record<string, string | number | undefined>): string
  /** A request with the credential; `timeoutMs` 0 means no deadline (a held stream). */
  send(url: string, init: { headers?: Record<string, string>; signal?: AbortSignal; timeoutMs?: number; what: string }): Promise<{ res: Response; done(): void; timedOut(): boolean }>
  readonly cluster: string
}

const enc = encodeURIComponent

export function formatLabels(labels: Record<string, string>): string | undefined {
  const entries = Object.entries(labels)
  for (const [k, v] of entries) {
    if (!k || /[,=]/.test(k) || v.includes(',')) throw new TypeError(`label ${JSON.stringify(k)}=${JSON.stringify(v)}: keys cannot be empty or hold "," or "=", values cannot hold ","`)
  }
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : undefined
}

export function createRequester(opts: CmsClientOptions): Requester {
  const base = opts.baseUrl.replace(/\/+$/, '')
  const doFetch = opts.fetch ?? globalThis.fetch
  const cluster = opts.cluster ?? 'default'
  const labels = formatLabels(opts.labels ?? {})
  const defaultTimeout = opts.requestTimeoutMs ?? 10_000
  const auth = `Bearer ${opts.apiKey}`

  return {
    cluster,
    url(path, extra = {}) {
      const q = new URLSearchParams()
      for (const [k, v] of Object.entries({ ...extra, clientId: opts.clientId, labels })) if (v !== undefined) q.set(k, String(v))
      const qs = q.toString()
      return `${base}/v1/projects/${enc(opts.projectId)}/cms${path}${qs ? `?${qs}` : ''}`
    },
    async send(url, init) {
      const controller = new AbortController()
      const timeoutMs = init.timeoutMs ?? defaultTimeout
      let timedOut = false
      const timer = timeoutMs > 0 ? setTimeout(() => ((timedOut = true), controller.abort()), timeoutMs) : undefined
      const onAbort = () => controller.abort()
      init.signal?.addEventListener('abort', onAbort, { once: true })
      if (init.signal?.aborted) controller.abort()
      const done = () => {
        clearTimeout(timer)
        init.signal?.removeEventListener('abort', onAbort)
      }
      try {
        const res = await doFetch(url, { headers: { authorization: auth, ...init.headers }, signal: controller.signal })
        return { res, done, timedOut: () => timedOut }
      } catch (err) {
        done()
        throw transportError(err, init.what, timedOut)
      }
    },
  }
}

/** Path of one namespace's effective config. */
export const configPath = (app: string, env: string, cluster: string, ns: string) => `/apps/${enc(app)}/envs/${enc(env)}/clusters/${enc(cluster)}/namespaces/${enc(ns)}/config`

/** The result of a conditional GET of one namespace. */
export type FetchResult = { kind: 'content'; snapshot: ConfigSnapshot } | { kind: 'unchanged' } | { kind: 'absent'; error: CmsClientError }

/** Codes that mean "this namespace has nothing to read" (as opposed to "could not read it"). */
export const ABSENT_CODES = new Set(['CMS_NOT_PUBLISHED', 'CMS_NAMESPACE_NOT_FOUND', 'CMS_ENV_NOT_FOUND', 'CMS_APP_NOT_FOUND'])

export async function fetchConfig(r: Requester, opts: CmsClientOptions, ns: string, held: ConfigSnapshot | undefined, signal?: AbortSignal): Promise<FetchResult> {
  const what = `GET config ${ns}`
  const { res, done, timedOut } = await r.send(r.url(configPath(opts.app, opts.env, r.cluster, ns)), {
    headers: held ? { 'if-none-match': `"${held.releaseKey}"` } : {},
    signal,
    what,
  })
  try {
    if (res.status === 304) {
      await res.body?.cancel()
      if (!held) throw new CmsClientError({ status: 304, code: ClientCodes.invalidResponse, message: `${what}: 304 without a cached copy` })
      return { kind: 'unchanged' }
    }
    if (res.status !== 200) {
      const err = await errorFromResponse(res, what)
      if (res.status === 404 && ABSENT_CODES.has(err.code)) return { kind: 'absent', error: err }
      throw err
    }
    let body: Record<string, unknown>
    try {
      body = (await res.json()) as Record<string, unknown>
    } catch (err) {
      throw new CmsClientError({ status: res.status, code: ClientCodes.invalidResponse, message: `${what}: the body is not JSON`, requestId: res.headers.get('x-request-id') ?? undefined, cause: err })
    }
    if (typeof body.content !== 'string' || typeof body.releaseKey !== 'string' || typeof body.revision !== 'number') {
      throw new CmsClientError({ status: res.status, code: ClientCodes.invalidResponse, message: `${what}: not a config answer`, requestId: res.headers.get('x-request-id') ?? undefined })
    }
    return {
      kind: 'content',
      snapshot: {
        namespace: ns,
        content: body.content,
        releaseKey: body.releaseKey,
        seq: Number(body.seq),
        format: String(body.format),
        revision: body.revision,
        cluster: String(body.cluster),
        gray: body.gray === true,
        source: 'server',
      },
    }
  } catch (err) {
    // A body cut off by our deadline surfaces here, not from fetch().
    throw err instanceof CmsClientError ? err : transportError(err, what, timedOut())
  } finally {
    done()
  }
}
