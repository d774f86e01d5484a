/**
 * The cms domain's model, shared by its service, its cache and the protocol adapters (Dyad's own
 * API, Apollo, Spring Cloud Config, OFREP).
 *
 *   project -> app -> environment (dev, staging, prod, ...; `protected` ones need approval)
 *           -> cluster (`default`, or a DC or group; a client's cluster falls back to `default`)
 *           -> namespace: one config document in a declared format, with an optional JSON Schema.
 *
 * Edits go to a draft; publishing creates an immutable, numbered release. What clients read is the
 * namespace's head: its main release, and optionally a gray release served to the clients its rule
 * selects.
 */

export type ConfigFormat = 'properties' | 'json' | 'yaml' | 'text'
export const CONFIG_FORMATS: readonly ConfigFormat[] = ['properties', 'json', 'yaml', 'text']

/** Where one namespace lives. Every part is a validated name (see schemas.ts). */
export interface NamespaceRef {
  projectId: string
  app: string
  env: string
  cluster: string
  namespace: string
}

export const DEFAULT_CLUSTER = 'default'

/** Who reads: reported on every read and watch, used by gray rules and the instances view. */
export interface ClientInfo {
  /** Stable client id (an instance id, a host name): the input of percentage rollouts. */
  id?: string
  ip?: string
  labels: Record<string, string>
}

/**
 * Which clients a gray release goes to: every label listed must match one of its values, and then
 * (if set) the client id must hash into the first `percentage` of 10,000 buckets. A client with no
 * id is never in a percentage rollout.
 */
export interface GrayRule {
  labels?: Record<string, string[]>
  percentage?: number
}

/** An immutable, numbered release of one namespace. */
export interface Release {
  /** 1, 2, 3, ... per namespace. */
  seq: number
  /** What clients see and send back (`releaseKey` in Apollo): `<seq>-<hash prefix>`. */
  key: string
  kind: 'publish' | 'rollback' | 'gray'
  format: ConfigFormat
  content: string
  /** sha256 of the content, hex. */
  hash: string
  author: string
  /** Who approved the draft this release came from (empty for unprotected environments). */
  approvedBy: string[]
  message: string
  createdAt: string
  /** Datacenter of the process that published it. */
  dc: string
  /** For rollbacks: the release whose content this one restores. */
  restores?: number
}

/** The current state clients read, one record per namespace (see store.ts for where it lives). */
export interface NamespaceHead {
  ref: NamespaceRef
  format: ConfigFormat
  /** The main release; undefined until the first publish. */
  main?: Release
  gray?: { release: Release; rule: GrayRule }
  /** Store revision of the head's last change (the watch revision clients resume from). */
  revision: number
}

/** What a client reads: the release that applies to it. */
export interface EffectiveConfig {
  ref: NamespaceRef
  /** The cluster the release came from: the requested one, or `default` by fallback. */
  cluster: string
  release: Release
  gray: boolean
  /** Store revision of the namespace head that answered. */
  revision: number
}

/** A change a watcher is told of: the client re-fetches the namespace. */
export interface ConfigChange {
  ref: NamespaceRef
  /** The head's new main release key (undefined when the namespace was deleted). */
  releaseKey?: string
  grayReleaseKey?: string
  revision: number
}

/**
 * The read side the protocol adapters (routes/*.ts) are given: everything answers from the
 * in-process cache fed by the store's watch, so a read never waits on etcd.
 */
export interface ConfigReads {
  /** The effective config for one client, with cluster fallback to `default`; undefined if never published. */
  read(ref: NamespaceRef, client: ClientInfo): EffectiveConfig | undefined
  /** Heads of every namespace of one (project, app, env, cluster), without fallback. */
  heads(projectId: string, app: string, env: string, cluster: string): NamespaceHead[]
  /** Whether the environment exists (an app's environments are declared before use). */
  hasEnv(projectId: string, app: string, env: string): boolean
  /**
   * Resolves with the first change of the project that `accept` takes, or undefined after
   * `timeoutMs` or when `signal` aborts. Changes that happened before the call are not replayed:
   * compare `read(...).revision` with what the client holds first.
   */
  nextChange(projectId: string, accept: (c: ConfigChange) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<ConfigChange | undefined>
  /** Every change of the project, as it is applied to the cache. Returns the unsubscribe function. */
  subscribe(projectId: string, listener: (c: ConfigChange) => void): () => void
  /** Records that a client holds a release (Apollo's "instances" view). Cheap, in memory; published in batches (instances-sync.ts). */
  recordInstance(ref: NamespaceRef, client: ClientInfo, releaseKey: string): void
}
