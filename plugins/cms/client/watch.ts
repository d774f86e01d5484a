/**
 * The watch loop: an SSE stream (or a chain of long-polls) of change announcements, each followed
 * by a fetch of the announced namespace, with reconnects that resume where the client really is.
 *
 * The resume revision is the invariant: every change Dyad announced with a revision at or below it
 * has been fetched. Announcements are handled one at a time, in the order they arrive (increasing
 * revision on one stream). Only after the fetch of a namespace succeeded does the revision move to
 * the announcement's; when a fetch fails, the stream is dropped and reopened from the revision,
 * and Dyad replays every watched namespace whose head changed after it, the failed one included.
 * So a client never advances past content it could not read, and a change made while it was
 * disconnected (or while the process it talks to restarted) is announced again on reconnect.
 * Several namespaces can change in one store revision: a failure at revision R therefore sets the
 * resume point below R even when another namespace of R was already fetched.
 *
 * The first connection resumes from 0: Dyad announces every watched namespace that has a head, so
 * a fresh client fetches each once (a 304 when it already holds that release, e.g. from its file).
 * The resume revision moves only with announcements, never with the `ready` event's revision.
 */
import { ClientCodes, CmsClientError, errorFromResponse, transportError } from './errors.ts'
import type { Requester } from './http.ts'
import { createSseParser } from './sse.ts'
import type { CmsClientOptions, ConfigChangeEvent, ConfigSnapshot, Watch, WatchOptions } from './types.ts'

export interface WatchDeps {
  opts: CmsClientOptions
  requester: Requester
  /** Watched namespaces; empty: every namespace of the app/env/cluster. */
  namespaces: string[]
  /** Settles once the client has read its cache file (the watch connects after that). */
  loaded: Promise<unknown>
  /** What the client holds for a namespace now. */
  held(ns: string): ConfigSnapshot | undefined
  /** Conditional fetch of one namespace into the client's store; its current snapshot (undefined: nothing published). Throws when it could not read. */
  refresh(ns: string, signal: AbortSignal): Promise<ConfigSnapshot | undefined>
  onChange(e: ConfigChangeEvent): void | Promise<void>
  onError(err: unknown): void
}

interface Announcement {
  namespace: string
  revision: number
}

/** A healthy stream resets the backoff: one that delivered a fetched change, or stayed open this long. */
const HEALTHY_MS = 5_000

export function startWatch(deps: WatchDeps, wopts: WatchOptions = {}): Watch {
  const { opts, requester } = deps
  const mode = wopts.mode ?? 'sse'
  const initialMs = opts.backoff?.initialMs ?? 250
  const maxMs = opts.backoff?.maxMs ?? 30_000
  const idleMs = opts.idleTimeoutMs ?? 45_000
  const longPollMs = opts.longPollTimeoutMs ?? 40_000
  const nsQuery = deps.namespaces.length ? deps.namespaces.join(',') : undefined
  const watched = new Set(deps.namespaces)
  const closing = new AbortController()
  /** What this watch last told its listener of, per namespace (onChange fires when the release key differs). */
  const told = new Map<string, ConfigSnapshot | undefined>()

  let resume = 0
  let attempt = 0
  let markReady: () => void = () => {}
  const ready = new Promise<void>((resolve) => (markReady = resolve))

  function advance(to: number) {
    if (to <= resume) return
    resume = to
    wopts.onProgress?.(resume)
  }

  /** Fetches an announced namespace and tells the listener if what the client holds changed. Throws when the fetch failed. */
  async function handle(a: Announcement, signal: AbortSignal) {
    if (watched.size && !watched.has(a.namespace)) return
    // What the listener last saw; for a namespace it was never told of, what the client held before (a get(), the file).
    const previous = told.has(a.namespace) ? told.get(a.namespace) : deps.held(a.namespace)
    let current: ConfigSnapshot | undefined
    try {
      current = await deps.refresh(a.namespace, signal)
    } catch (err) {
      // Never resume at or past R: another namespace of the same revision may already have moved it there.
      if (resume >= a.revision) resume = a.revision - 1
      throw err
    }
    told.set(a.namespace, current)
    if (current?.releaseKey !== previous?.releaseKey) {
      try {
        await deps.onChange({ namespace: a.namespace, previous, current, revision: a.revision })
      } catch (err) {
        deps.onError(err)
      }
    }
    advance(a.revision)
    attempt = 0
  }

  function watchUrl(path: string) {
    return requester.url(path, { app: opts.app, env: opts.env, cluster: requester.cluster, namespaces: nsQuery, revision: resume })
  }

  /** One SSE connection; resolves when the server ends it, rejects on any failure. */
  async function streamOnce() {
    const conn = new AbortController()
    const onClose = () => conn.abort()
    closing.signal.addEventListener('abort', onClose, { once: true })
    let idleTimer: NodeJS.Timeout | undefined
    let idle = false
    const touch = () => {
      clearTimeout(idleTimer)
      idleTimer = setTimeout(() => ((idle = true), conn.abort()), idleMs)
    }
    const openedAt = Date.now()
    try {
      touch()
      const { res, done } = await requester.send(watchUrl('/watch'), { headers: { accept: 'text/event-stream' }, signal: conn.signal, timeoutMs: 0, what: 'watch' })
      try {
        if (res.status !== 200) throw await errorFromResponse(res, 'watch')
        if (!res.body) throw new CmsClientError({ status: res.status, code: ClientCodes.invalidResponse, message: 'watch: no body' })
        let failure: unknown
        let queue = Promise.resolve()
        const parser = createSseParser({
          onEvent(ev) {
            if (ev.event === 'ready') {
              queue = queue.then(() => {
                if (failure === undefined) markReady()
              })
              return
            }
            if (ev.event !== 'change') return
            let a: Announcement
            try {
              const body = JSON.parse(ev.data) as { namespace?: unknown; revision?: unknown }
              const revision = Number(ev.lastEventId || body.revision)
              if (typeof body.namespace !== 'string' || !Number.isSafeInteger(revision)) throw new Error('no namespace or revision')
              a = { namespace: body.namespace, revision }
            } catch (err) {
              failure ??= new CmsClientError({ status: 200, code: ClientCodes.invalidResponse, message: `watch: unreadable change event (${(err as Error).message})` })
              conn.abort()
              return
            }
            queue = queue.then(async () => {
              if (failure !== undefined) return
              try {
                await handle(a, conn.signal)
              } catch (err) {
                failure = err
                conn.abort()
              }
            })
          },
        })
        const decoder = new TextDecoder()
        const reader = res.body.getReader()
        try {
          for (;;) {
            const { value, done: end } = await reader.read()
            if (end) break
            touch()
            parser.push(decoder.decode(value, { stream: true }))
          }
        } catch (err) {
          if (failure === undefined && !closing.signal.aborted) throw idle ? transportError(err, 'watch: nothing received for too long', true) : transportError(err, 'watch', false)
        }
        await queue
        if (failure !== undefined) throw failure
      } finally {
        done()
      }
    } finally {
      clearTimeout(idleTimer)
      closing.signal.removeEventListener('abort', onClose)
      if (Date.now() - openedAt >= HEALTHY_MS) attempt = 0
    }
  }

  /** One long-poll; resolves after its answer has been handled. */
  async function pollOnce() {
    const { res, done } = await requester.send(watchUrl('/notifications'), { signal: closing.signal, timeoutMs: longPollMs, what: 'long-poll' })
    try {
      if (res.status === 304) {
        await res.body?.cancel()
        markReady()
        attempt = 0
        return
      }
      if (res.status !== 200) throw await errorFromResponse(res, 'long-poll')
      const body = (await res.json()) as { changes?: Array<{ namespace?: unknown; revision?: unknown }> }
      if (!Array.isArray(body.changes)) throw new CmsClientError({ status: 200, code: ClientCodes.invalidResponse, message: 'long-poll: no changes array' })
      const list = body.changes
        .filter((c): c is { namespace: string; revision: number } => typeof c.namespace === 'string' && Number.isSafeInteger(c.revision))
        .sort((x, y) => x.revision - y.revision)
      for (const c of list) await handle(c, closing.signal)
      markReady()
    } finally {
      done()
    }
  }

  function sleep(ms: number) {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        closing.signal.removeEventListener('abort', done)
        resolve()
      }
      closing.signal.addEventListener('abort', done, { once: true })
    })
  }

  const loop = (async () => {
    await deps.loaded
    while (!closing.signal.aborted) {
      try {
        if (mode === 'sse') await streamOnce()
        else await pollOnce()
        if (mode === 'long-poll') continue
      } catch (err) {
        if (closing.signal.aborted) break
        deps.onError(err)
      }
      if (closing.signal.aborted) break
      // Full jitter: reconnects of many clients after a server restart spread out instead of arriving together.
      const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20))
      attempt++
      await sleep(Math.random() * cap)
    }
    markReady()
  })()

  return {
    get revision() {
      return resume
    },
    ready,
    async close() {
      closing.abort()
      await loop
    },
  }
}
