/** What the cms client hands back and takes. */

/** One namespace's config as this client holds it. */
export interface ConfigSnapshot {
  namespace: string
  content: string
  /** The release's key (`<seq>-<hash prefix>`): the ETag, and Apollo's `releaseKey`. */
  releaseKey: string
  seq: number
  format: string
  /** Store revision of the namespace head that answered (what a watch resumes from). */
  revision: number
  /** The cluster the release came from: the requested one, or `default` by fallback. */
  cluster: string
  /** Whether this client got the namespace's gray release. */
  gray: boolean
  /**
   * `server`: fetched from Dyad, or confirmed by its 304. `last-known-good`: Dyad could not be read,
   * this is what the client held (in memory, or from its cache file).
   */
  source: 'server' | 'last-known-good'
}

export interface CmsClientOptions {
  /** Where Dyad is reached, e.g. `https://dyad.internal` (no trailing path). */
  baseUrl: string
  /** A Dyad API key (`dyad_<id>_<secret>`) or a JWT, sent as `Authorization: Bearer`. */
  apiKey: string
  projectId: string
  app: string
  env: string
  /** Defaults to `default`; a cluster without its own release of a namespace falls back to `default`. */
  cluster?: string
  /** Stable id of this instance (input of percentage gray rules and Dyad's instances view). */
  clientId?: string
  /** Labels gray rules select on (`dc`, `version`, `region`, ...). No `,` in keys or values, no `=` in keys. */
  labels?: Record<string, string>
  /** Last-known-good file: written after each fetch that brought new content, read when Dyad is unreachable. */
  cacheFile?: string
  /** Deadline of each request (not of a held watch or long-poll). Default 10 s. */
  requestTimeoutMs?: number
  /** Reconnect backoff of watches: full jitter between 0 and min(max, initial * 2^attempt). Default 250 ms .. 30 s. */
  backoff?: { initialMs?: number; maxMs?: number }
  /**
   * A watch stream that sends nothing (Dyad sends a comment every 15 s) for this long is presumed
   * dead and reopened. Default 45 s.
   */
  idleTimeoutMs?: number
  /** Extra time a long-poll may take beyond the server's hold (default 30 s) before it is presumed dead. Default 40 s in total. */
  longPollTimeoutMs?: number
  /** Called with errors the client recovers from by itself (a dropped watch, a cache file it cannot write). */
  onError?: (err: unknown) => void
  /** For tests and instrumentation: the fetch to use. Default: the global one. */
  fetch?: typeof fetch
}

/** A change the watch applied: the held config of `namespace` went from `previous` to `current`. */
export interface ConfigChangeEvent {
  namespace: string
  previous: ConfigSnapshot | undefined
  /** Undefined when the namespace was deleted or has no release any more. */
  current: ConfigSnapshot | undefined
  /** The store revision Dyad announced this change at. */
  revision: number
}

export interface WatchOptions {
  /** `sse` (default): one held event stream. `long-poll`: repeated held GETs, for proxies that buffer streams. */
  mode?: 'sse' | 'long-poll'
  /**
   * Called whenever the resume revision advances: every change announced up to it has been fetched.
   * An application may persist it; the watch itself keeps it in memory.
   */
  onProgress?: (revision: number) => void
}

export interface Watch {
  /** The revision the next (re)connection resumes from; 0 until the first announced change was fetched. */
  readonly revision: number
  /** Resolves once the first connection has been answered and every change it replayed has been fetched. */
  readonly ready: Promise<void>
  /** Ends the watch (a running fetch is abandoned). */
  close(): Promise<void>
}
