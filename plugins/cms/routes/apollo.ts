/**
 * Apollo's config-service HTTP protocol (Apollo's guide for clients in other languages), so an
 * existing Apollo client reads Dyad unchanged: its config-server URL is
 * `<dyad>/apollo/{projectId}/{env}` (Apollo's env is chosen by the URL), and under it
 *
 *   GET /configs/{appId}/{cluster}/{namespace}?releaseKey=&ip=&label=&messages=   (304 on same releaseKey)
 *   GET /configfiles/json/{appId}/{cluster}/{namespace}    the configurations as a JSON object
 *   GET /configfiles/{appId}/{cluster}/{namespace}         the configurations as properties text
 *   GET /configfiles/raw/{appId}/{cluster}/{namespace}     the document as published
 *   GET /notifications/v2?appId=&cluster=&notifications=   long-poll (see apollo/notifications.ts)
 *
 * Names map onto Dyad's model as apollo/names.ts says. Non-properties namespaces come back as
 * Apollo serves them: `configurations: { content: "<the document>" }`.
 *
 * These routes are public to the gateway (it does not speak Apollo's scheme): this plugin
 * authenticates every request itself with Apollo's access-key signature, before validation, as the
 * gateway does for its own scheme. An app without an access key is refused: Dyad never serves
 * config unauthenticated. Reads come from the in-process cache (ConfigReads); none waits on etcd.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { IdSchema } from '../../../src/contracts/schemas.ts'
import { Errors } from '../../../src/shared/errors.ts'
import { entriesOf } from '../apollo/entries.ts'
import { ApolloErrors } from '../apollo/errors.ts'
import { apolloClient, fromApolloName, type ApolloNamespace } from '../apollo/names.ts'
import { parseNotifications, pendingNotifications, touches, type ApolloNotification, type PollScope } from '../apollo/notifications.ts'
import { DEFAULT_CLOCK_SKEW_MS, verifyApolloSignature } from '../apollo/signature.ts'
import { CmsErrors } from '../errors.ts'
import { serialize } from '../formats/index.ts'
import type { ConfigReads, EffectiveConfig, Release } from '../model.ts'
import { NameSchema } from '../schemas.ts'

export interface ApolloRoutesOptions {
  reads: ConfigReads
  /**
   * The app's current Apollo access-key secrets (two during a rotation). An empty list means the
   * app has no access key: its requests are refused with 401.
   */
  accessKeys(projectId: string, appId: string): readonly string[] | Promise<readonly string[]>
  /** How long notifications/v2 holds a request before answering 304 (default 30 s; Apollo holds 60 s). */
  longPollMs?: number
  /** Largest accepted distance between a request's Timestamp and this clock (default 60 s, Apollo's). */
  clockSkewMs?: number
  /** Held long-polls per project on this process (default 5,000); past it a poll gets 429. */
  maxWatchers?: number
  /** Where the protocol is mounted (default `/apollo`). */
  prefix?: string
  /** The clock signatures are checked against (tests). */
  now?: () => number
}

export const DEFAULT_APOLLO_LONG_POLL_MS = 30_000

const tags = ['cms (Apollo protocol)']
const PROJECT_RE = new RegExp(IdSchema.pattern)
const NAME_RE = new RegExp(NameSchema.pattern)
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const

type ConfigParams = { projectId: string; env: string; appId: string; clusterName: string; namespaceName: string }
type ClientQuery = { ip?: string; label?: string; dataCenter?: string }
type ConfigQuery = ClientQuery & { releaseKey?: string; messages?: string }
type PollQuery = { appId: string; cluster: string; notifications: string; ip?: string; dataCenter?: string }

const configParams = {
  type: 'object',
  required: ['projectId', 'env', 'appId', 'clusterName', 'namespaceName'],
  properties: {
    projectId: IdSchema,
    env: NameSchema,
    appId: NameSchema,
    clusterName: NameSchema,
    namespaceName: { type: 'string', minLength: 1, maxLength: 140, description: '`application`, `foo`, `foo.properties`, `foo.json`, `foo.yaml`, `foo.yml` or `foo.txt`.' },
  },
} as const
const envParams = { type: 'object', required: ['projectId', 'env'], properties: { projectId: IdSchema, env: NameSchema } } as const

// Unknown parameters are tolerated: Apollo clients of different versions send different ones.
const clientQuery = {
  ip: { ...text(64), description: 'Client address: its id for gray rules and the instances view (default: the request\'s address).' },
  label: { ...text(1000), description: 'Apollo label(s), comma-separated; `k=v` items become Dyad labels, others the label `apollo_label`.' },
  dataCenter: { ...text(128), description: 'Accepted and ignored.' },
} as const
const configQuery = {
  type: 'object',
  properties: {
    ...clientQuery,
    releaseKey: { ...text(200), description: 'The release key the client holds: the same one is answered 304.' },
    messages: { ...text(16384), description: 'Apollo\'s notification messages; accepted and ignored (Dyad reads from one consistent cache).' },
  },
} as const
const pollQuery = {
  type: 'object',
  required: ['appId', 'cluster', 'notifications'],
  properties: {
    appId: NameSchema,
    cluster: NameSchema,
    notifications: { ...text(32768), description: 'URL-encoded JSON: `[{"namespaceName": "application", "notificationId": -1}, ...]`.' },
    ip: clientQuery.ip,
    dataCenter: clientQuery.dataCenter,
  },
} as const

const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const
const apolloConfig = {
  type: 'object',
  required: ['appId', 'cluster', 'namespaceName', 'configurations', 'releaseKey'],
  properties: {
    appId: { type: 'string' },
    cluster: { type: 'string', description: 'The cluster the release came from (the requested one, or `default` by fallback).' },
    namespaceName: { type: 'string' },
    configurations: { ...stringMap, description: 'Key/value pairs; `{ content }` (the whole document) for non-properties namespaces.' },
    releaseKey: { type: 'string' },
  },
} as const
const notificationsOut = {
  type: 'array',
  items: {
    type: 'object',
    required: ['namespaceName', 'notificationId', 'messages'],
    properties: {
      namespaceName: { type: 'string' },
      notificationId: { type: 'integer', description: 'Store revision of the namespace head: pass it back in the next poll.' },
      messages: { type: 'object', properties: { details: { type: 'object', additionalProperties: { type: 'integer' } } } },
    },
  },
} as const

const CONTENT_TYPES: Record<Release['format'], string> = {
  properties: 'text/plain; charset=utf-8',
  json: 'application/json; charset=utf-8',
  yaml: 'application/yaml; charset=utf-8',
  text: 'text/plain; charset=utf-8',
}

/** What Apollo returns as `configurations`: the entries, or the whole document under `content`. */
function configurations(ns: ApolloNamespace, release: Release): Readonly<Record<string, string>> {
  return ns.format === 'properties' ? entriesOf(release) : { content: release.content }
}

export async function apolloRoutes(app: FastifyInstance, opts: ApolloRoutesOptions) {
  const { reads } = opts
  const base = `${opts.prefix ?? '/apollo'}/:projectId/:env`
  const longPollMs = opts.longPollMs ?? DEFAULT_APOLLO_LONG_POLL_MS
  const maxWatchers = opts.maxWatchers ?? 5_000
  const now = opts.now ?? Date.now

  // Held long-polls end (with 304) when the server closes, so a shutdown never waits on them.
  const held = new Set<() => void>()
  app.addHook('preClose', async () => {
    for (const end of [...held]) end()
  })
  const polling = new Map<string, number>()
  function admit(projectId: string): () => void {
    const n = polling.get(projectId) ?? 0
    if (n >= maxWatchers) throw CmsErrors.tooManyWatchers(`the project holds ${n} Apollo long-polls on this process; the limit is ${maxWatchers}`)
    polling.set(projectId, n + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (polling.get(projectId) ?? 1) - 1
      if (left <= 0) polling.delete(projectId)
      else polling.set(projectId, left)
    }
  }

  /**
   * Apollo's signature check, on the raw parameters (before validation, so an unsigned caller learns
   * nothing about the schema). The ids are checked only as far as looking up the keys needs.
   */
  async function authenticate(req: FastifyRequest) {
    const params = req.params as Record<string, unknown>
    const appId = 'appId' in params ? params.appId : (req.query as Record<string, unknown>).appId
    if (typeof params.projectId !== 'string' || !PROJECT_RE.test(params.projectId)) {
      throw Errors.validation('projectId must be a project id: lowercase letters, digits and dashes, starting with a letter or digit, at most 63 characters.', { params: ['projectId'] })
    }
    if (typeof appId !== 'string' || !NAME_RE.test(appId)) throw ApolloErrors.invalidAppId()
    const secrets = await opts.accessKeys(params.projectId, appId)
    const header = (name: string) => {
      const v = req.headers[name]
      return typeof v === 'string' ? v : undefined
    }
    verifyApolloSignature({ appId, authorization: header('authorization'), timestamp: header('timestamp'), target: req.raw.url ?? req.url }, secrets, now(), opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS)
  }

  function effective(req: FastifyRequest<{ Params: ConfigParams; Querystring: ClientQuery }>): { ns: ApolloNamespace; e: EffectiveConfig } {
    const p = req.params
    const ns = fromApolloName(p.namespaceName)
    const client = apolloClient(req.query, req.ip)
    const ref = { projectId: p.projectId, app: p.appId, env: p.env, cluster: p.clusterName, namespace: ns?.name ?? '' }
    const e = ns && NAME_RE.test(ns.name) ? reads.read(ref, client) : undefined
    if (!ns || !e || e.release.format !== ns.format) {
      throw ApolloErrors.notFound(`Could not load configurations with appId: ${p.appId}, clusterName: ${p.clusterName}, namespace: ${p.namespaceName} in environment ${p.env}.`)
    }
    reads.recordInstance(ref, client, e.release.key)
    return { ns, e }
  }

  const route = { config: { public: true }, onRequest: authenticate } as const
  const fileRoute = (path: string, summary: string, produces: string[], response: object, handler: (req: FastifyRequest<{ Params: ConfigParams; Querystring: ClientQuery }>, reply: FastifyReply) => unknown) =>
    app.get<{ Params: ConfigParams; Querystring: ClientQuery }>(`${base}/${path}/:appId/:clusterName/:namespaceName`, {
      ...route,
      schema: { tags, summary, params: configParams, querystring: { type: 'object', properties: clientQuery }, produces, response: { 200: response } },
      handler,
    })

  app.get<{ Params: ConfigParams; Querystring: ConfigQuery }>(`${base}/configs/:appId/:clusterName/:namespaceName`, {
    ...route,
    schema: {
      tags,
      summary: 'Apollo: the namespace\'s configurations for this client (gray rule, cluster fallback); 304 when releaseKey is current',
      description: 'Signed with Apollo\'s access key: `Authorization: Apollo {appId}:{signature}` and `Timestamp`.',
      params: configParams,
      querystring: configQuery,
      response: { 200: apolloConfig, 304: { type: 'null', description: 'The client holds the current release.' } },
    },
    handler: async (req, reply) => {
      const { ns, e } = effective(req)
      if (req.query.releaseKey === e.release.key) return reply.code(304).send()
      return { appId: req.params.appId, cluster: e.cluster, namespaceName: req.params.namespaceName, configurations: configurations(ns, e.release), releaseKey: e.release.key }
    },
  })

  fileRoute('configfiles/json', 'Apollo: the configurations as one JSON object (`{ content }` for non-properties namespaces)', ['application/json'], stringMap, async (req, reply) => {
    const { ns, e } = effective(req)
    return reply.type('application/json; charset=utf-8').send(configurations(ns, e.release))
  })

  // As Apollo's ConfigFileController: properties text of the configurations, whatever the format.
  fileRoute('configfiles', 'Apollo: the configurations as properties text (`content=...` for non-properties namespaces)', ['text/plain'], { type: 'string' }, async (req, reply) => {
    const { ns, e } = effective(req)
    return reply.type('text/plain; charset=utf-8').send(serialize('properties', { ...configurations(ns, e.release) }))
  })

  fileRoute('configfiles/raw', 'Apollo: the document as published (properties namespaces as properties text)', ['text/plain', 'application/json', 'application/yaml'], { type: 'string' }, async (req, reply) => {
    const { ns, e } = effective(req)
    const body = ns.format === 'properties' ? serialize('properties', { ...entriesOf(e.release) }) : e.release.content
    return reply.type(CONTENT_TYPES[ns.format]).send(body)
  })

  app.get<{ Params: { projectId: string; env: string }; Querystring: PollQuery }>(`${base}/notifications/v2`, {
    ...route,
    schema: {
      tags,
      summary: `Apollo: long-poll; answers at once for namespaces past the client's notificationId, else holds (default ${DEFAULT_APOLLO_LONG_POLL_MS / 1000} s) and answers 304`,
      params: envParams,
      querystring: pollQuery,
      response: { 200: notificationsOut, 304: { type: 'null', description: 'Nothing changed while the request was held.' } },
    },
    handler: async (req, reply) => {
      const { projectId, env } = req.params
      const scope: PollScope = { reads, projectId, appId: req.query.appId, env, cluster: req.query.cluster, client: apolloClient(req.query, req.ip), watched: parseNotifications(req.query.notifications) }
      let pending: ApolloNotification[] = pendingNotifications(scope)
      if (pending.length === 0) {
        const release = admit(projectId)
        const abort = new AbortController()
        const end = () => abort.abort()
        held.add(end)
        // The response's close (not the request's): it fires when the client goes away mid-wait.
        reply.raw.once('close', end)
        try {
          const accept = touches(scope)
          const deadline = Date.now() + longPollMs
          // A change the filter takes may still leave every watched namespace where the client has
          // it (a change in `default` shadowed by the client's own cluster): keep waiting then.
          while (pending.length === 0 && !abort.signal.aborted) {
            const left = deadline - Date.now()
            if (left <= 0) break
            if (!(await reads.nextChange(projectId, accept, left, abort.signal))) break
            pending = pendingNotifications(scope)
          }
        } finally {
          held.delete(end)
          reply.raw.off('close', end)
          release()
        }
        if (reply.raw.destroyed) return reply.hijack()
      }
      if (pending.length === 0) return reply.code(304).send()
      return pending
    },
  })
}
