/**
 * What clients call: the effective config of a namespace (from memory, with ETag/304), the same with
 * secret references resolved, the instances view, and change notifications by SSE and long-poll.
 *
 * Resuming: every read answers `X-Dyad-Revision`, the cache revision it was served at. A watch or
 * long-poll from revision R first reports every watched namespace whose head changed after R (so a
 * reconnect or a restart misses nothing), then changes as they arrive. A client moves its revision
 * forward only after it has fetched the content a notification announced.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ConfigCache } from '../cache.ts'
import type { InstanceSync } from '../instances-sync.ts'
import { CmsErrors } from '../errors.ts'
import { parseLabels } from '../gray.ts'
import { DEFAULT_CLUSTER, type ClientInfo, type ConfigChange, type EffectiveConfig, type NamespaceRef } from '../model.ts'
import { BASE, NS, NameSchema, nsParams, projectParams, tags, type NsParams } from '../schemas.ts'
import type { SecretResolver } from '../secrets.ts'

const clientQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    clientId: { type: 'string', maxLength: 200, description: 'Stable client id (input of percentage gray rules and the instances view).' },
    ip: { type: 'string', maxLength: 64 },
    labels: { type: 'string', maxLength: 2000, description: 'Client labels as `k=v,k2=v2` (input of gray rules).' },
  },
} as const
type ClientQuery = { clientId?: string; ip?: string; labels?: string }

const configOut = {
  type: 'object',
  required: ['app', 'env', 'cluster', 'namespace', 'releaseKey', 'seq', 'format', 'content', 'gray', 'revision'],
  properties: {
    app: { type: 'string' },
    env: { type: 'string' },
    cluster: { type: 'string', description: 'The cluster the release came from (the requested one, or `default` by fallback).' },
    namespace: { type: 'string' },
    releaseKey: { type: 'string' },
    seq: { type: 'integer' },
    format: { type: 'string' },
    content: { type: 'string' },
    gray: { type: 'boolean' },
    revision: { type: 'integer', description: 'Store revision of the namespace head.' },
  },
} as const

const watchQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['app', 'env'],
  properties: {
    app: NameSchema,
    env: NameSchema,
    cluster: NameSchema,
    namespaces: { type: 'string', maxLength: 4000, description: 'Comma-separated namespace names; all namespaces of the app/env/cluster when omitted.' },
    revision: { type: 'integer', minimum: 0, description: 'Resume point: report changes after this revision.' },
    ...clientQuery.properties,
  },
} as const
type WatchQuery = ClientQuery & { app: string; env: string; cluster?: string; namespaces?: string; revision?: number }

const changeOut = {
  type: 'object',
  required: ['app', 'env', 'cluster', 'namespace', 'revision'],
  properties: { app: { type: 'string' }, env: { type: 'string' }, cluster: { type: 'string' }, namespace: { type: 'string' }, releaseKey: { type: 'string' }, grayReleaseKey: { type: 'string' }, revision: { type: 'integer' } },
} as const

export function clientOf(q: ClientQuery, req: FastifyRequest): ClientInfo {
  return { id: q.clientId ?? q.ip, ip: q.ip ?? req.ip, labels: parseLabels(q.labels) }
}

const render = (e: EffectiveConfig) => ({
  app: e.ref.app,
  env: e.ref.env,
  cluster: e.cluster,
  namespace: e.ref.namespace,
  releaseKey: e.release.key,
  seq: e.release.seq,
  format: e.release.format,
  content: e.release.content,
  gray: e.gray,
  revision: e.revision,
})

const changeBody = (c: ConfigChange) => ({
  app: c.ref.app,
  env: c.ref.env,
  cluster: c.ref.cluster,
  namespace: c.ref.namespace,
  ...(c.releaseKey ? { releaseKey: c.releaseKey } : {}),
  ...(c.grayReleaseKey ? { grayReleaseKey: c.grayReleaseKey } : {}),
  revision: c.revision,
})

/** Which changes a watch or long-poll is interested in, and what it has missed since `revision`. */
function watchScope(cache: ConfigCache, projectId: string, q: WatchQuery) {
  const cluster = q.cluster ?? DEFAULT_CLUSTER
  const names = q.namespaces ? new Set(q.namespaces.split(',').map((s) => s.trim()).filter(Boolean).slice(0, 200)) : undefined
  const accept = (c: ConfigChange) =>
    c.ref.app === q.app && c.ref.env === q.env && (c.ref.cluster === cluster || c.ref.cluster === DEFAULT_CLUSTER) && (!names || names.has(c.ref.namespace))
  const clusters = cluster === DEFAULT_CLUSTER ? [cluster] : [cluster, DEFAULT_CLUSTER]
  const missed = (since: number): ConfigChange[] => {
    const wanted = (ref: NamespaceRef, revision: number) => revision > since && (!names || names.has(ref.namespace))
    const changed = clusters.flatMap((c) => cache.heads(projectId, q.app, q.env, c))
      .filter((h) => wanted(h.ref, h.revision))
      .map((h): ConfigChange => ({ ref: h.ref, releaseKey: h.main?.key, grayReleaseKey: h.gray?.release.key, revision: h.revision }))
    // Deleted namespaces too (no release key): a client that resumes learns they are gone.
    const deleted = clusters.flatMap((c) => cache.deletedHeads(projectId, q.app, q.env, c))
      .filter((d) => wanted(d.ref, d.revision))
      .map((d): ConfigChange => ({ ref: d.ref, revision: d.revision }))
    return [...changed, ...deleted].sort((a, b) => a.revision - b.revision)
  }
  return { accept, missed }
}

/** Bytes an SSE stream may have queued for a slow client before it is cut off. */
const MAX_BUFFERED_BYTES = 1 << 20

export interface ReadRoutesOptions {
  cache: ConfigCache
  secrets: SecretResolver
  longPollMs: number
  /** Open watches and long-polls per project on this process. */
  maxWatchers: number
  /** The instances view of every process (instances-sync.ts). */
  instances: Pick<InstanceSync, 'list'>
}

export async function readRoutes(app: FastifyInstance, { cache, secrets, longPollMs, maxWatchers, instances }: ReadRoutesOptions) {
  // Held watches and long-polls end when the server closes, so a shutdown never waits on them.
  const held = new Set<() => void>()
  app.addHook('preClose', async () => {
    for (const end of [...held]) end()
  })
  const watching = new Map<string, number>()
  /** Counts one open watch of the project; returns its release function. */
  function admit(projectId: string): () => void {
    const n = watching.get(projectId) ?? 0
    if (n >= maxWatchers) throw CmsErrors.tooManyWatchers(`the project holds ${n} open watches on this process; the limit is ${maxWatchers}`)
    watching.set(projectId, n + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (watching.get(projectId) ?? 1) - 1
      if (left <= 0) watching.delete(projectId)
      else watching.set(projectId, left)
    }
  }

  function effective(ref: NamespaceRef, client: ClientInfo): EffectiveConfig {
    const e = cache.read(ref, client)
    if (!e) {
      if (!cache.hasEnv(ref.projectId, ref.app, ref.env)) throw CmsErrors.envNotFound(`environment ${ref.env} of app ${ref.app} does not exist`)
      throw CmsErrors.notPublished(`namespace ${ref.namespace} has no release in ${ref.app}/${ref.env}/${ref.cluster} or its default cluster`)
    }
    cache.recordInstance(ref, client, e.release.key)
    return e
  }

  const conditional = (req: FastifyRequest, reply: FastifyReply, e: EffectiveConfig) => {
    const etag = `"${e.release.key}"`
    reply.header('etag', etag).header('x-dyad-revision', String(cache.revision)).header('cache-control', 'no-cache')
    return req.headers['if-none-match'] === etag
  }

  app.get<{ Params: NsParams; Querystring: ClientQuery }>(`${NS}/config`, {
    config: { action: 'cms.config.read' },
    schema: {
      tags,
      summary: 'The effective config for this client (gray rule, cluster fallback), from memory; ETag/304',
      params: nsParams,
      querystring: clientQuery,
      response: { 200: configOut, 304: { type: 'null' } },
    },
    handler: async (req, reply) => {
      const e = effective(req.params, clientOf(req.query, req))
      if (conditional(req, reply, e)) return reply.code(304).send()
      return render(e)
    },
  })

  app.get<{ Params: NsParams; Querystring: ClientQuery }>(`${NS}/config/resolved`, {
    config: { action: 'cms.secrets.read' },
    schema: {
      tags,
      summary: 'The effective config with secret references (vault:path#field) resolved; needs cms.secrets.read',
      params: nsParams,
      querystring: clientQuery,
      response: { 200: configOut },
    },
    handler: async (req, reply) => {
      const e = effective(req.params, clientOf(req.query, req))
      const content = await secrets.resolve(req.params.projectId, e.release.format, e.release.content)
      return reply.header('cache-control', 'no-store').send({ ...render(e), content })
    },
  })

  app.get<{ Params: NsParams }>(`${NS}/instances`, {
    config: { action: 'cms.release.read' },
    schema: {
      tags,
      summary: 'Clients served the namespace by any process (both DCs), with the release each holds; most recently seen first',
      params: nsParams,
      response: {
        200: {
          type: 'object',
          required: ['items', 'partial'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'releaseKey', 'lastSeen'],
                properties: {
                  id: { type: 'string' },
                  ip: { type: 'string' },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                  releaseKey: { type: 'string' },
                  lastSeen: { type: 'string', format: 'date-time' },
                  servedBy: { type: 'string', description: '`<dc>/<process>` that served the client.' },
                },
              },
            },
            partial: { type: 'boolean', description: "True while the store is unreachable: only this process's clients are listed." },
          },
        },
      },
    },
    handler: async (req) => instances.list(req.params),
  })

  app.get<{ Params: { projectId: string }; Querystring: WatchQuery }>(`${BASE}/notifications`, {
    config: { action: 'cms.config.read' },
    schema: {
      tags,
      summary: `Long-poll for changes after \`revision\`: answers at once if any, else holds up to the configured time (default 30 s) and answers 304`,
      params: projectParams,
      querystring: watchQuery,
      response: { 200: { type: 'object', required: ['revision', 'changes'], properties: { revision: { type: 'integer' }, changes: { type: 'array', items: changeOut } } }, 304: { type: 'null' } },
    },
    handler: async (req, reply) => {
      const { projectId } = req.params
      const scope = watchScope(cache, projectId, req.query)
      const since = req.query.revision ?? cache.revision
      let changes = scope.missed(since)
      if (changes.length === 0) {
        const release = admit(projectId)
        const abort = new AbortController()
        const end = () => abort.abort()
        held.add(end)
        req.raw.once('close', end)
        const c = await cache.nextChange(projectId, scope.accept, longPollMs, abort.signal)
        held.delete(end)
        release()
        req.raw.off('close', end)
        if (c) changes = [c]
      }
      reply.header('x-dyad-revision', String(cache.revision))
      if (changes.length === 0) return reply.code(304).send()
      return { revision: Math.max(...changes.map((c) => c.revision)), changes: changes.map(changeBody) }
    },
  })

  app.get<{ Params: { projectId: string }; Querystring: WatchQuery }>(`${BASE}/watch`, {
    config: { action: 'cms.config.read' },
    schema: {
      tags,
      summary: 'Server-sent events: one `change` event per namespace change (id = revision); resume with Last-Event-ID or `revision`',
      params: projectParams,
      querystring: watchQuery,
      produces: ['text/event-stream'],
    },
    handler: async (req, reply) => {
      const { projectId } = req.params
      const scope = watchScope(cache, projectId, req.query)
      // Last-Event-ID (an EventSource reconnecting) wins over `revision`; an empty or malformed one is ignored.
      const header = req.headers['last-event-id']
      const lastId = typeof header === 'string' && /^\d{1,15}$/.test(header.trim()) ? Number(header.trim()) : undefined
      const since = lastId ?? req.query.revision ?? cache.revision
      const release = admit(projectId)
      const res = reply.raw
      reply.hijack()
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-request-id': String(req.id) })
      // A client that does not read (or reads slower than changes come) is cut off once this much
      // is buffered for it, instead of holding memory without bound; it reconnects and resumes.
      const write = (chunk: string) => {
        if (res.writableLength > MAX_BUFFERED_BYTES) return void res.destroy()
        res.write(chunk)
      }
      const send = (c: ConfigChange) => write(`id: ${c.revision}\nevent: change\ndata: ${JSON.stringify(changeBody(c))}\n\n`)
      // What the client missed since its revision, then `ready` with the revision this stream is
      // caught up to (its id lets an EventSource resume from there without a change event).
      const upTo = cache.revision
      for (const c of scope.missed(since)) send(c)
      write(`retry: 1000\nid: ${Math.max(upTo, since)}\nevent: ready\ndata: ${JSON.stringify({ revision: upTo })}\n\n`)
      const unsubscribe = cache.subscribe(projectId, (c) => {
        if (scope.accept(c)) send(c)
      })
      const heartbeat = setInterval(() => write(`: keep-alive\n\n`), 15_000)
      heartbeat.unref()
      const end = () => res.end()
      held.add(end)
      res.once('close', () => {
        held.delete(end)
        release()
        clearInterval(heartbeat)
        unsubscribe()
      })
    },
  })
}
