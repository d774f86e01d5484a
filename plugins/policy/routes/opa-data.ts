/** OPA's Data API: evaluate documents (GET/POST) and edit base data (PUT/PATCH/DELETE). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { PolicyErrors } from '../errors.ts'
import type { Decision, PolicyService } from '../service.ts'
import { decisionQuery, decisionResponse, indentJson, OPA_BASE, opaBooleanParams, pathSegments, projectAndPath, projectOnly, tags } from './opa-common.ts'

type DecisionQuery = { metrics?: boolean; pretty?: boolean; explain?: 'notes' | 'fails' | 'full'; 'strict-builtin-errors'?: boolean; input?: string }

const INPUT_MISSING_WARNING = `"warning":${JSON.stringify({ code: 'api_usage_warning', message: "'input' key missing from the request" })}`
type Req = FastifyRequest<{ Params: { projectId: string; '*'?: string }; Querystring: DecisionQuery; Body?: { input?: unknown } }>

/**
 * OPA's metrics for a decision, the ones Dyad measures: input conversion, query compilation (when
 * the compiled query was not cached, with OPA's cache-hit counter), evaluation and the handler.
 */
function decisionMetrics(d: Decision, started: bigint): Record<string, number> {
  const m: Record<string, number> = { counter_server_query_cache_hit: d.queryCompileNs === undefined ? 1 : 0, timer_rego_input_parse_ns: d.inputParseNs }
  if (d.queryCompileNs !== undefined) m.timer_rego_query_compile_ns = d.queryCompileNs
  m.timer_rego_query_eval_ns = d.evalNs
  m.timer_server_handler_ns = Number(process.hrtime.bigint() - started)
  return m
}

/** OPA evaluates a POST without a body as one without input (and warns); the schema wants an object. */
async function noBodyIsEmpty(req: FastifyRequest) {
  if (req.body === undefined) req.body = {}
}

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
    if (req.query.metrics) parts.push(`"metrics":${JSON.stringify(decisionMetrics(d, started))}`)
    if (req.query.explain === 'notes') parts.push(`"explanation":${JSON.stringify(d.notes.map((message) => ({ op: 'note', message })))}`)
    else if (req.query.explain) parts.push(`"explanation":${JSON.stringify(d.events ?? [])}`)
    // OPA's hint for the commonest mistake, the input sent without its {"input": ...} wrapper.
    if (req.method === 'POST' && !(req.body && typeof req.body === 'object' && 'input' in req.body)) parts.push(INPUT_MISSING_WARNING)
    const body = `{${parts.join(',')}}`
    return reply.type('application/json; charset=utf-8').send(req.query.pretty ? indentJson(body) : body)
  }

  const decisionSchema = (summary: string, withPath: boolean, body: boolean) => ({
    tags,
    summary,
    params: withPath ? projectAndPath : projectOnly,
    querystring: decisionQuery,
    // Other keys are ignored, as OPA ignores them; without `input` the answer carries OPA's warning.
    ...(body ? { body: { type: 'object', properties: { input: { description: 'The input document.' } } } } : {}),
    response: { 200: decisionResponse },
  })

  for (const withPath of [false, true]) {
    const url = `${OPA_BASE}/v1/data${withPath ? '/*' : ''}`
    app.get(url, { config: { action: 'policy.decide' }, schema: decisionSchema('Evaluate a document (input as ?input=JSON)', withPath, false), preValidation: opaBooleanParams, handler: decide as any })
    app.post(url, { config: { action: 'policy.decide', readOnly: true }, schema: decisionSchema('Evaluate a document with input', withPath, true), preValidation: [opaBooleanParams, noBodyIsEmpty], handler: decide as any })
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
