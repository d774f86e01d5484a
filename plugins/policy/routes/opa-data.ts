/** OPA's Data API: evaluate documents (GET/POST) and edit base data (PUT/PATCH/DELETE). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { PolicyErrors } from '../errors.ts'
import type { PolicyService } from '../service.ts'
import { decisionQuery, decisionResponse, OPA_BASE, pathSegments, projectAndPath, projectOnly, tags } from './opa-common.ts'

type DecisionQuery = { metrics?: boolean; explain?: 'notes' | 'fails' | 'full'; 'strict-builtin-errors'?: boolean; input?: string }
type Req = FastifyRequest<{ Params: { projectId: string; '*'?: string }; Querystring: DecisionQuery; Body?: { input?: unknown } }>

export async function opaDataRoutes(app: FastifyInstance, { service }: { service: PolicyService }) {
  async function decide(req: Req, reply: FastifyReply) {
    let input: unknown = req.body?.input
    if (req.method === 'GET' && req.query.input !== undefined) {
      try {
        input = JSON.parse(req.query.input)
      } catch {
        throw PolicyErrors.invalidParameter('input query parameter is not valid JSON')
      }
    }
    const started = process.hrtime.bigint()
    const d = await service.decide(req.params.projectId, pathSegments(req.params['*']), {
      input,
      strict: req.query['strict-builtin-errors'] === true,
      explain: req.query.explain,
      subject: req.principal.subject,
    })
    // Hand-built JSON: the result keeps every digit of big integers, which JSON.stringify cannot.
    const parts = [`"decision_id":${JSON.stringify(d.decisionId)}`]
    if (d.resultJson !== undefined) parts.push(`"result":${d.resultJson}`)
    if (req.query.metrics) parts.push(`"metrics":${JSON.stringify({ timer_rego_query_eval_ns: d.evalNs, timer_server_handler_ns: Number(process.hrtime.bigint() - started) })}`)
    if (req.query.explain === 'notes') parts.push(`"explanation":${JSON.stringify(d.notes.map((message) => ({ op: 'note', message })))}`)
    else if (req.query.explain) parts.push(`"explanation":${JSON.stringify(d.events ?? [])}`)
    return reply.type('application/json; charset=utf-8').send(`{${parts.join(',')}}`)
  }

  const decisionSchema = (summary: string, withPath: boolean, body: boolean) => ({
    tags,
    summary,
    params: withPath ? projectAndPath : projectOnly,
    querystring: decisionQuery,
    ...(body ? { body: { type: 'object', additionalProperties: false, properties: { input: { description: 'The input document.' } } } } : {}),
    response: { 200: decisionResponse },
  })

  for (const withPath of [false, true]) {
    const url = `${OPA_BASE}/v1/data${withPath ? '/*' : ''}`
    app.get(url, { config: { action: 'policy.decide' }, schema: decisionSchema('Evaluate a document (input as ?input=JSON)', withPath, false), handler: decide as any })
    app.post(url, { config: { action: 'policy.decide', readOnly: true }, schema: decisionSchema('Evaluate a document with input', withPath, true), handler: decide as any })
  }

  app.put<{ Params: { projectId: string; '*': string }; Body: unknown; Headers: { 'if-none-match'?: string } }>(`${OPA_BASE}/v1/data/*`, {
    config: { action: 'policy.write' },
    schema: {
      tags,
      summary: 'Create or overwrite a base document (with If-None-Match: *, never overwrite: 304)',
      params: projectAndPath,
      body: { description: 'Any JSON value.' },
      response: { 204: { type: 'null' }, 304: { type: 'null' } },
    },
    handler: async (req, reply) => {
      const written = await service.putData(req.params.projectId, pathSegments(req.params['*']), req.body, req.headers['if-none-match'] === '*')
      return reply.code(written ? 204 : 304).send()
    },
  })

  app.patch<{ Params: { projectId: string; '*': string }; Body: Array<{ op: 'add' | 'remove' | 'replace'; path: string; value?: unknown }> }>(`${OPA_BASE}/v1/data/*`, {
    config: { action: 'policy.write' },
    schema: {
      tags,
      summary: 'Apply JSON Patch operations to a base document',
      params: projectAndPath,
      body: {
        type: 'array',
        maxItems: 1000,
        items: { type: 'object', required: ['op', 'path'], additionalProperties: false, properties: { op: { type: 'string', enum: ['add', 'remove', 'replace'] }, path: { type: 'string', maxLength: 1000 }, value: {} } },
      },
      response: { 204: { type: 'null' } },
    },
    handler: async (req, reply) => {
      await service.patchData(req.params.projectId, pathSegments(req.params['*']), req.body as any)
      return reply.code(204).send()
    },
  })

  app.delete<{ Params: { projectId: string; '*': string } }>(`${OPA_BASE}/v1/data/*`, {
    config: { action: 'policy.write' },
    schema: { tags, summary: 'Delete a base document', params: projectAndPath, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await service.deleteData(req.params.projectId, pathSegments(req.params['*']))
      return reply.code(204).send()
    },
  })

  // OPA's default decision: POST / with the raw input as body, answered with the bare result.
  app.post<{ Params: { projectId: string }; Body: unknown }>(`${OPA_BASE}/`, {
    config: { action: 'policy.decide', readOnly: true },
    schema: { tags, summary: 'Default decision (data.system.main) with the body as input', params: projectOnly, body: {}, response: { 200: {} } },
    handler: async (req, reply) => {
      const d = await service.decide(req.params.projectId, ['system', 'main'], { input: req.body, subject: req.principal.subject })
      if (d.resultJson === undefined) throw PolicyErrors.notFound('undefined_document: data.system.main is undefined')
      return reply.type('application/json; charset=utf-8').send(d.resultJson)
    },
  })
}
