/**
 * OPA's Compile API: `POST /v1/compile` partially evaluates a query naming one rule with one
 * unknown under input, answering `{result: {queries}}` in OPA's AST JSON (see
 * filter/opa-queries.ts). Constructs that cannot be translated are POLICY_PARTIAL_UNSUPPORTED.
 */
import type { FastifyInstance } from 'fastify'
import type { PolicyService } from '../service.ts'
import { OPA_BASE, projectOnly, tags } from './opa-common.ts'

export async function opaCompileRoutes(app: FastifyInstance, { service }: { service: PolicyService }) {
  app.post<{ Params: { projectId: string }; Body: { query: string; input?: unknown; unknowns?: string[] } }>(`${OPA_BASE}/v1/compile`, {
    config: { action: 'policy.decide', readOnly: true },
    schema: {
      tags,
      summary: 'Partially evaluate a query (Compile API): the conditions on the unknowns under which it holds',
      params: projectOnly,
      body: {
        type: 'object',
        required: ['query'],
        properties: {
          query: { type: 'string', minLength: 1, maxLength: 65536 },
          input: {},
          unknowns: { type: 'array', maxItems: 16, items: { type: 'string', minLength: 1, maxLength: 1024 } },
          options: { type: 'object' },
        },
      },
    },
    handler: async (req) => ({ result: await service.compile(req.params.projectId, req.body) }),
  })
}
