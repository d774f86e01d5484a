/**
 * Audit log queries: the whole log for platform admins, one project's for its admins. The gateway
 * writes the log (every mutation, before it is acknowledged), so it also serves it.
 */
import type { FastifyInstance } from 'fastify'
import { IdSchema } from '../contracts/schemas.ts'
import type { AuditLog, AuditQuery } from '../infra/ports/audit.ts'

const tags = ['audit']

export const AuditEntrySchema = {
  $id: 'AuditEntry',
  type: 'object',
  required: ['id', 'at', 'dc', 'requestId', 'actor', 'action', 'resource', 'projectId', 'outcome'],
  properties: {
    id: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
    dc: { type: 'string' },
    requestId: { type: 'string' },
    actor: { type: 'string' },
    action: { type: 'string' },
    resource: { type: 'string' },
    projectId: { type: ['string', 'null'] },
    outcome: { type: 'string', enum: ['success', 'failure'] },
    details: { type: 'object', additionalProperties: true },
  },
} as const

const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    actor: { type: 'string', maxLength: 200 },
    action: { type: 'string', maxLength: 100 },
    outcome: { type: 'string', enum: ['success', 'failure'] },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', maxLength: 1000 },
  },
} as const
const auditPage = {
  type: 'object',
  required: ['items'],
  properties: { items: { type: 'array', items: { $ref: 'AuditEntry#' } }, nextCursor: { type: 'string' } },
} as const
const projectParams = { type: 'object', required: ['projectId'], properties: { projectId: IdSchema } } as const

export async function auditRoutes(app: FastifyInstance, { audit }: { audit: AuditLog }) {
  app.get<{ Querystring: AuditQuery & { projectId?: string } }>('/v1/audit', {
    config: { action: 'platform.audit.read' },
    schema: {
      tags,
      summary: 'Query the whole audit log, newest first (platform admins)',
      querystring: { ...auditQuery, properties: { ...auditQuery.properties, projectId: { type: 'string', maxLength: 63 } } },
      response: { 200: auditPage },
    },
    handler: async (req) => audit.queryAudit(req.query),
  })

  app.get<{ Params: { projectId: string }; Querystring: AuditQuery }>('/v1/projects/:projectId/audit', {
    config: { action: 'audit.read' },
    schema: { tags, summary: "Query a project's audit log, newest first", params: projectParams, querystring: auditQuery, response: { 200: auditPage } },
    handler: async (req) => audit.queryAudit({ ...req.query, projectId: req.params.projectId }),
  })
}
