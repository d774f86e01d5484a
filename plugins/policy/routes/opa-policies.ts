/** OPA's Policy API (modules addressed by id) plus the Query API and health. */
import type { FastifyInstance } from 'fastify'
import { PolicyErrors } from '../errors.ts'
import type { PolicyService } from '../service.ts'
import { indentJson, OPA_BASE, opaBooleanParams, pathSegments, projectAndPath, projectOnly, tags } from './opa-common.ts'

const policy = { type: 'object', required: ['id', 'raw'], properties: { id: { type: 'string' }, raw: { type: 'string' } } } as const

function policyId(wildcard: string): string {
  let id: string
  try {
    id = decodeURIComponent(wildcard)
  } catch {
    throw PolicyErrors.invalidParameter('malformed percent-encoding in the policy id')
  }
  if (!id || id.length > 512 || /[\x00-\x1f]/.test(id)) throw PolicyErrors.invalidParameter('policy id must be 1-512 printable characters')
  return id
}

export async function opaPolicyRoutes(app: FastifyInstance, { service }: { service: PolicyService }) {
  app.get<{ Params: { projectId: string } }>(`${OPA_BASE}/v1/policies`, {
    config: { action: 'policy.read' },
    schema: { tags, summary: 'List policies', params: projectOnly, response: { 200: { type: 'object', required: ['result'], properties: { result: { type: 'array', items: policy } } } } },
    handler: async (req) => ({ result: await service.listPolicies(req.params.projectId) }),
  })

  app.get<{ Params: { projectId: string; '*': string } }>(`${OPA_BASE}/v1/policies/*`, {
    config: { action: 'policy.read' },
    schema: { tags, summary: 'Get a policy', params: projectAndPath, response: { 200: { type: 'object', required: ['result'], properties: { result: policy } } } },
    handler: async (req) => ({ result: await service.getPolicy(req.params.projectId, policyId(req.params['*'])) }),
  })

  app.put<{ Params: { projectId: string; '*': string }; Body: string }>(`${OPA_BASE}/v1/policies/*`, {
    config: { action: 'policy.write' },
    schema: {
      tags,
      summary: 'Create or update a policy (Rego source as text/plain); compile errors are a 400 in OPA\'s shape',
      params: projectAndPath,
      consumes: ['text/plain'],
      body: { type: 'string' },
      response: { 200: { type: 'object' } },
    },
    handler: async (req) => {
      if (typeof req.body !== 'string') throw PolicyErrors.invalidParameter('send the Rego source as the text/plain body')
      await service.putPolicy(req.params.projectId, policyId(req.params['*']), req.body)
      return {}
    },
  })

  app.delete<{ Params: { projectId: string; '*': string } }>(`${OPA_BASE}/v1/policies/*`, {
    config: { action: 'policy.write' },
    schema: { tags, summary: 'Delete a policy (refused when the others depend on it)', params: projectAndPath, response: { 200: { type: 'object' } } },
    handler: async (req) => {
      await service.deletePolicy(req.params.projectId, policyId(req.params['*']))
      return {}
    },
  })

  const queryResult = { 200: { type: 'object', properties: { result: { type: 'array', items: { type: 'object', additionalProperties: true } } } } }
  const runQuery = async (projectId: string, query: string, input: unknown, pretty: boolean | undefined, reply: any) => {
    const json = await service.query(projectId, query, input, false)
    // OPA omits `result` when the query is undefined (no solution): `{}`, not `{"result": []}`. A
    // solution without bindings (`1 == 1`) is still `[{}]`.
    const body = json === '[]' ? '{}' : `{"result":${json}}`
    return reply.type('application/json; charset=utf-8').send(pretty ? indentJson(body) : body)
  }
  const pretty = { type: 'boolean', description: 'Indented JSON (bare `?pretty` or `=true`, as OPA reads it).' } as const
  app.post<{ Params: { projectId: string }; Querystring: { pretty?: boolean }; Body: { query: string; input?: unknown } }>(`${OPA_BASE}/v1/query`, {
    config: { action: 'policy.decide', readOnly: true },
    preValidation: opaBooleanParams,
    schema: {
      tags,
      summary: 'Run an ad-hoc query; every solution\'s bindings',
      params: projectOnly,
      querystring: { type: 'object', properties: { pretty } },
      body: { type: 'object', required: ['query'], additionalProperties: false, properties: { query: { type: 'string', minLength: 1, maxLength: 65536 }, input: {} } },
      response: queryResult,
    },
    handler: async (req, reply) => runQuery(req.params.projectId, req.body.query, req.body.input, req.query.pretty, reply),
  })
  app.get<{ Params: { projectId: string }; Querystring: { q: string; pretty?: boolean } }>(`${OPA_BASE}/v1/query`, {
    config: { action: 'policy.decide' },
    preValidation: opaBooleanParams,
    schema: {
      tags,
      summary: 'Run an ad-hoc query given as ?q=',
      params: projectOnly,
      querystring: { type: 'object', required: ['q'], additionalProperties: false, properties: { q: { type: 'string', minLength: 1, maxLength: 65536 }, pretty } },
      response: queryResult,
    },
    handler: async (req, reply) => runQuery(req.params.projectId, req.query.q, undefined, req.query.pretty, reply),
  })

  app.get<{ Params: { projectId: string } }>(`${OPA_BASE}/health`, {
    config: { action: 'policy.decide' },
    schema: {
      tags,
      summary: "OPA health: the project's policies are loaded",
      description:
        "OPA's `?bundles` (healthy once every bundle is activated) and `?plugins` (healthy when every plugin is) are accepted: a project's bundle is activated when it is imported, and Dyad has no per-project plugins, so both add nothing to the check.",
      params: projectOnly,
      querystring: { type: 'object', properties: { bundles: {}, plugins: {}, 'exclude-plugin': {} } },
      response: { 200: { type: 'object' } },
    },
    handler: async (req) => {
      await service.snapshot(req.params.projectId)
      return {}
    },
  })

  app.get<{ Params: { projectId: string; '*': string } }>(`${OPA_BASE}/health/*`, {
    config: { action: 'policy.decide' },
    schema: {
      tags,
      summary: 'A custom health check: 200 when data.system.health.<name> is true',
      description: "OPA's custom health checks. 200 `{}` when the rule is true; 503 POLICY_UNHEALTHY when it has another value or fails to evaluate; 404 when the project defines no such rule.",
      params: projectAndPath,
      response: { 200: { type: 'object' } },
    },
    handler: async (req) => {
      const path = pathSegments(req.params['*'])
      if (path.length === 0) throw PolicyErrors.notFound('name a health check: /health/<name> evaluates data.system.health.<name>')
      const name = ['data', 'system', 'health', ...path].join('.')
      const check = await service.healthCheck(req.params.projectId, path)
      if (!check.defined) throw PolicyErrors.notFound(`health check ${name} is undefined`)
      if (!check.healthy) throw PolicyErrors.unhealthy(check.error ? `health check ${name} failed: ${check.error}` : `health check ${name} is not true`)
      return {}
    },
  })
}
