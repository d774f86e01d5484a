/**
 * Spring Cloud Config server's environment endpoint, so Spring Boot's
 * `spring.config.import=configserver:<dyad>/spring/{projectId}` works unchanged:
 *
 *   GET /spring/{projectId}/{application}/{profile}[/{label}]        the Environment (JSON)
 *   GET /spring/{projectId}[/{label}]/{application}-{profile}.yml    (.yaml, .properties, .json)
 *
 * The mapping onto Dyad's model is spring/environment.ts's. Unlike Apollo's, these routes go through
 * the gateway like any other (`cms.config.read`): a Spring client sends a Dyad API key as
 * `spring.cloud.config.headers.Authorization: Bearer dyad_...`. Reads come from the in-process
 * cache (ConfigReads). Optional headers `X-Dyad-Client-Id` and `X-Dyad-Client-Labels` (`k=v,...`,
 * settable with spring.cloud.config.headers) feed gray rules; the client id defaults to the
 * request's address.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { IdSchema } from '../../../src/contracts/schemas.ts'
import { Errors } from '../../../src/shared/errors.ts'
import { parseLabels } from '../gray.ts'
import { DEFAULT_CLUSTER, type ClientInfo, type ConfigReads } from '../model.ts'
import { NameSchema } from '../schemas.ts'
import { buildEnvironment } from '../spring/environment.ts'
import { mergeProperties, renderFile, resolvePlaceholders, type FileFormat } from '../spring/files.ts'

export interface SpringRoutesOptions {
  reads: ConfigReads
  /** Where the endpoint is mounted (default `/spring`). */
  prefix?: string
  /**
   * The app every application also reads, below its own config: Spring's `application.yml`
   * convention (default `application`; empty to turn it off).
   */
  sharedApp?: string
}

/** What Spring's client asks for by default (EnvironmentMediaType.V2_JSON): values with their origin. */
export const SPRING_V2_JSON = 'application/vnd.spring-cloud.config-server.v2+json'

const tags = ['cms (Spring Cloud Config protocol)']
const NAME_RE = new RegExp(NameSchema.pattern)
// Spring splits `{name}-{profiles}` at the last hyphen (its path pattern is greedy).
const FILE_RE = /^(.+)-([^-]+)\.(yml|yaml|properties|json)$/
const FILE_EXT_RE = /\.(yml|yaml|properties|json)$/
const FORMATS: Record<string, FileFormat> = { yml: 'yaml', yaml: 'yaml', properties: 'properties', json: 'json' }

const profilesSchema = { type: 'string', minLength: 1, maxLength: 1000, pattern: '^[A-Za-z0-9._,-]+$', description: 'Dyad environment(s), comma-separated; the last one wins.' } as const
const fileSchema = { type: 'string', minLength: 1, maxLength: 1200, description: '`{application}-{profile}.yml` (or .yaml, .properties, .json).' } as const
const envParams = {
  type: 'object',
  required: ['projectId', 'application', 'profile'],
  properties: { projectId: IdSchema, application: NameSchema, profile: { ...profilesSchema, description: `${profilesSchema.description} Or \`{application}-{profile}.yml\` after a label.` } },
} as const
const labelledParams = { type: 'object', required: ['projectId', 'application', 'profile', 'label'], properties: { projectId: IdSchema, application: NameSchema, profile: profilesSchema, label: NameSchema } } as const
const fileParams = { type: 'object', required: ['projectId', 'file'], properties: { projectId: IdSchema, file: fileSchema } } as const
const fileQuery = { type: 'object', properties: { resolvePlaceholders: { type: 'boolean', default: true, description: 'Resolve `${key}` and `${key:default}` (default true).' } } } as const
const clientHeaders = {
  type: 'object',
  properties: {
    'x-dyad-client-id': { type: 'string', maxLength: 200, description: 'Stable client id for percentage gray rules and the instances view (default: the request\'s address).' },
    'x-dyad-client-labels': { type: 'string', maxLength: 2000, description: 'Client labels `k=v,k2=v2` for gray rules.' },
  },
} as const

const sourceValue = { anyOf: [{ type: 'string' }, { type: 'object', required: ['value', 'origin'], properties: { value: { type: 'string' }, origin: { type: 'string' } } }] } as const
const environmentOut = {
  type: 'object',
  required: ['name', 'profiles', 'label', 'version', 'state', 'propertySources'],
  properties: {
    name: { type: 'string' },
    profiles: { type: 'array', items: { type: 'string' } },
    label: { type: 'string', description: 'The cluster asked for.' },
    version: { type: ['string', 'null'], description: 'Digest of the releases served.' },
    state: { type: 'null' },
    propertySources: {
      type: 'array',
      description: 'Most specific first. Values are `{ value, origin }` when the request accepts the v2 media type.',
      items: { type: 'object', required: ['name', 'source'], properties: { name: { type: 'string' }, source: { type: 'object', additionalProperties: sourceValue } } },
    },
  },
} as const

type Headers = { 'x-dyad-client-id'?: string; 'x-dyad-client-labels'?: string }
type EnvReq = FastifyRequest<{ Params: { projectId: string; application: string; profile: string; label?: string }; Querystring: { resolvePlaceholders?: boolean }; Headers: Headers }>
type FileReq = FastifyRequest<{ Params: { projectId: string; file: string }; Querystring: { resolvePlaceholders?: boolean }; Headers: Headers }>

export async function springRoutes(app: FastifyInstance, opts: SpringRoutesOptions) {
  const { reads } = opts
  const base = `${opts.prefix ?? '/spring'}/:projectId`
  const sharedApp = opts.sharedApp ?? 'application'

  const clientOf = (req: FastifyRequest<{ Headers: Headers }>): ClientInfo => ({
    id: req.headers['x-dyad-client-id'] || req.ip,
    ip: req.ip,
    labels: parseLabels(req.headers['x-dyad-client-labels']),
  })

  const environment = (req: FastifyRequest<{ Headers: Headers }>, projectId: string, application: string, profiles: string, label: string | undefined, includeOrigin: boolean) =>
    buildEnvironment(reads, { projectId, application, profiles, cluster: label ?? DEFAULT_CLUSTER, client: clientOf(req), includeOrigin, sharedApp })

  async function sendFile(req: FastifyRequest<{ Querystring: { resolvePlaceholders?: boolean }; Headers: Headers }>, reply: FastifyReply, projectId: string, label: string | undefined, file: string) {
    const m = FILE_RE.exec(file)
    if (!m || !NAME_RE.test(m[1]!) || !/^[A-Za-z0-9._,]+$/.test(m[2]!)) {
      throw Errors.routeNotFound(`${file.slice(0, 200)} is not {application}-{profile}.yml, .yaml, .properties or .json (Spring Cloud Config's file views).`)
    }
    const format = FORMATS[m[3]!]!
    let props = mergeProperties(environment(req, projectId, m[1]!, m[2]!, label, false))
    if (req.query.resolvePlaceholders !== false) props = resolvePlaceholders(props)
    return reply.type(format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8').send(renderFile(props, format))
  }

  async function sendEnvironment(req: EnvReq, reply: FastifyReply) {
    const { projectId, application, profile, label } = req.params
    const v2 = (req.headers.accept ?? '').toLowerCase().includes(SPRING_V2_JSON)
    reply.type(v2 ? SPRING_V2_JSON : 'application/json; charset=utf-8').header('cache-control', 'no-cache')
    return environment(req, projectId, application, profile, label, v2)
  }

  const route = { config: { action: 'cms.config.read' } } as const
  const fileResponse = { 200: { type: 'string' } }
  const fileProduces = ['text/plain', 'application/json']

  app.get<{ Params: { projectId: string; application: string; profile: string }; Querystring: { resolvePlaceholders?: boolean }; Headers: Headers }>(`${base}/:application/:profile`, {
    ...route,
    schema: {
      tags,
      summary: 'Spring Cloud Config: the Environment of an app for profile(s), cluster `default`; also `/{label}/{application}-{profile}.yml` and the like',
      params: envParams,
      querystring: fileQuery,
      headers: clientHeaders,
      produces: ['application/json', SPRING_V2_JSON, 'text/plain'],
      response: { 200: environmentOut },
    },
    handler: async (req, reply) => {
      // `/{label}/{name}-{profiles}.yml` has the same shape: Spring tells them apart by the extension.
      if (FILE_EXT_RE.test(req.params.profile)) return sendFile(req, reply, req.params.projectId, req.params.application, req.params.profile)
      return sendEnvironment(req, reply)
    },
  })

  app.get<{ Params: { projectId: string; application: string; profile: string; label: string }; Querystring: { resolvePlaceholders?: boolean }; Headers: Headers }>(`${base}/:application/:profile/:label`, {
    ...route,
    schema: { tags, summary: 'Spring Cloud Config: the Environment of an app for profile(s) in a cluster (the label)', params: labelledParams, headers: clientHeaders, produces: ['application/json', SPRING_V2_JSON], response: { 200: environmentOut } },
    handler: (req, reply) => sendEnvironment(req, reply),
  })

  app.get<{ Params: { projectId: string; file: string }; Querystring: { resolvePlaceholders?: boolean }; Headers: Headers }>(`${base}/:file`, {
    ...route,
    schema: { tags, summary: 'Spring Cloud Config: `{application}-{profile}.yml` (.yaml, .properties, .json): merged properties, cluster `default`', params: fileParams, querystring: fileQuery, headers: clientHeaders, produces: fileProduces, response: fileResponse },
    handler: (req: FileReq, reply) => sendFile(req, reply, req.params.projectId, undefined, req.params.file),
  })
}
