import type { FastifyInstance } from 'fastify'
import { IdSchema } from '../../../src/contracts/schemas.ts'
import type { DecisionLog } from '../decision-log.ts'
import { PolicyErrors } from '../errors.ts'
import { projectOnly } from './opa-common.ts'

const tags = ['policy']
const decision = {
  type: 'object',
  additionalProperties: true,
  required: ['decision_id', 'path', 'revision', 'timestamp', 'dc'],
  properties: { decision_id: { type: 'string' }, path: { type: 'string' }, input: {}, result: {}, revision: { type: 'integer' }, timestamp: { type: 'string' }, dc: { type: 'string' }, subject: { type: 'string' }, error: { type: 'string' } },
} as const

export async function decisionRoutes(app: FastifyInstance, { decisions }: { decisions: DecisionLog }) {
  app.get<{ Params: { projectId: string }; Querystring: { path?: string; limit?: number; cursor?: string } }>('/v1/projects/:projectId/decisions', {
    config: { action: 'decision.read' },
    schema: {
      tags,
      summary: 'Query decision logs, newest first',
      params: projectOnly,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { path: { type: 'string', maxLength: 1000 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, cursor: { type: 'string', maxLength: 1000 } },
      },
      response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: decision }, nextCursor: { type: 'string' } } } },
    },
    handler: async (req) => decisions.query(req.params.projectId, req.query),
  })

  app.get<{ Params: { projectId: string; decisionId: string } }>('/v1/projects/:projectId/decisions/:decisionId', {
    config: { action: 'decision.read' },
    schema: {
      tags,
      summary: 'One decision log entry',
      params: { type: 'object', required: ['projectId', 'decisionId'], properties: { projectId: IdSchema, decisionId: { type: 'string', format: 'uuid' } } },
      response: { 200: decision },
    },
    handler: async (req) => {
      const d = await decisions.get(req.params.projectId, req.params.decisionId)
      if (!d) throw PolicyErrors.notFound(`decision ${req.params.decisionId}`)
      return d
    },
  })
}
