/**
 * A small TypeScript client for Dyad's cms (no Fastify, no server code: global fetch only):
 *
 *   const cms = createCmsClient({ baseUrl, apiKey, projectId: 'shop', app: 'checkout', env: 'prod',
 *                                 clientId: hostname(), labels: { dc: 'dc2' }, cacheFile: '/var/lib/app/cms.json' })
 *   const cfg = await cms.get('application')            // ETag/304; last-known-good when Dyad is unreachable
 *   const w = cms.watch(['application'], ({ current }) => reload(current))   // SSE, resumes across reconnects
 *   await cms.close()
 *
 * One client is one (project, app, env, cluster, client id, labels): what Dyad's gray rules and
 * cluster fallback decide on. It holds the last config it read per namespace in memory (and in
 * `cacheFile` when set), and sends that release's key as If-None-Match, so an unchanged namespace
 * costs a 304.
 */
import { createCacheFile, type CacheFile } from './cache-file.ts'
import { CmsClientError } from './errors.ts'
import { createRequester, fetchConfig } from './http.ts'
import type { CmsClientOptions, ConfigChangeEvent, ConfigSnapshot, Watch, WatchOptions } from './types.ts'
import { startWatch } from './watch.ts'

export { CmsClientError, ClientCodes } from './errors.ts'
export { createSseParser, type SseEvent } from './sse.ts'
export type { CmsClientOptions, ConfigChangeEvent, ConfigSnapshot, Watch, WatchOptions } from './types.ts'

export interface CmsClient {
  /**
   * The effective config of a namespace for this client. Sends If-None-Match with the release it
   * holds (a 304 returns that). When Dyad cannot be reached or answers 429/5xx, returns the
   * last-known-good copy (memory, else the cache file) with `source: 'last-known-good'`, and throws
   * the `CmsClientError` only if it has none. Other errors (401, 403, 404 ...) always throw.
   */
  get(namespace: string, opts?: { signal?: AbortSignal }): Promise<ConfigSnapshot>
  /** What the client holds for a namespace, without a request. */
  current(namespace: string): ConfigSnapshot | undefined
  /**
   * Watches namespaces (empty: every namespace of the app/env/cluster) and calls `onChange` when
   * what the client holds for one changes. Reconnects by itself; see watch.ts for the resume rule.
   */
  watch(namespaces: string[], onChange: (e: ConfigChangeEvent) => void | Promise<void>, opts?: WatchOptions): Watch
  /** Resolves when every cache-file write requested so far has finished. */
  flush(): Promise<void>
  /** Closes every watch and flushes the cache file. */
  close(): Promise<void>
}

export function createCmsClient(opts: CmsClientOptions): CmsClient {
  const requester = createRequester(opts)
  const onError = opts.onError ?? (() => {})
  const held = new Map<string, ConfigSnapshot>()
  const file: CacheFile | undefined = opts.cacheFile
    ? createCacheFile(opts.cacheFile, { projectId: opts.projectId, app: opts.app, env: opts.env, cluster: requester.cluster, clientId: opts.clientId, labels: opts.labels ?? {} }, onError)
    : undefined
  // The file seeds memory once; what the server says afterwards always wins.
  const loaded: Promise<void> = file
    ? file.load().then((fromFile) => {
        for (const [ns, snap] of fromFile) if (!held.has(ns)) held.set(ns, snap)
      })
    : Promise.resolve()
  const watches = new Set<Watch>()
  let writing: Promise<void> = Promise.resolve()

  function persist() {
    if (file) writing = file.save(held)
  }

  /** Conditional fetch of one namespace into `held`; throws when it could not be read. */
  async function refresh(ns: string, signal?: AbortSignal): Promise<{ current?: ConfigSnapshot; absent?: CmsClientError }> {
    await loaded
    const prior = held.get(ns)
    const r = await fetchConfig(requester, opts, ns, prior, signal)
    if (r.kind === 'unchanged') {
      const confirmed = prior!.source === 'server' ? prior! : { ...prior!, source: 'server' as const }
      held.set(ns, confirmed)
      return { current: confirmed }
    }
    if (r.kind === 'absent') {
      if (held.delete(ns)) persist()
      return { absent: r.error }
    }
    held.set(ns, r.snapshot)
    persist()
    return { current: r.snapshot }
  }

  return {
    async get(ns, getOpts = {}) {
      try {
        const { current, absent } = await refresh(ns, getOpts.signal)
        if (absent) throw absent
        return current!
      } catch (err) {
        const fallback = held.get(ns)
        if (err instanceof CmsClientError && err.retryable && fallback && !getOpts.signal?.aborted) {
          onError(err)
          return { ...fallback, source: 'last-known-good' }
        }
        throw err
      }
    },

    current: (ns) => held.get(ns),

    watch(namespaces, onChange, wopts) {
      const w = startWatch({ opts, requester, namespaces, loaded, held: (ns) => held.get(ns), refresh: async (ns, signal) => (await refresh(ns, signal)).current, onChange, onError }, wopts)
      const tracked: Watch = {
        get revision() {
          return w.revision
        },
        ready: w.ready,
        async close() {
          watches.delete(tracked)
          await w.close()
        },
      }
      watches.add(tracked)
      return tracked
    },

    async flush() {
      await loaded
      let last: Promise<void> | undefined
      while (last !== writing) {
        last = writing
        await last
      }
    },

    async close() {
      await Promise.all([...watches].map((w) => w.close()))
      await this.flush()
    },
  }
}
