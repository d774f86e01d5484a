import type { FastifyInstance } from 'fastify'
import type { AuditQuery } from '../../../src/infra/ports/platform.ts'
import type { PlatformService } from '../service.ts'
import { projectParams } from '../schemas.ts'

const tags = ['platform']
const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    actor: { type: 'string', maxLength: 200 },
    action: { type: 'string', maxLength: 100 },
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

export async function auditRoutes(app: FastifyInstance, { service }: { service: PlatformService }) {
  app.get<{ Querystring: AuditQuery & { projectId?: string } }>('/v1/audit', {
    config: { action: 'platform.audit.read' },
    schema: {
      tags,
      summary: 'Query the whole audit log, newest first (platform admins)',
      querystring: { ...auditQuery, properties: { ...auditQuery.properties, projectId: { type: 'string', maxLength: 63 } } },
      response: { 200: auditPage },
    },
    handler: async (req) => service.queryAudit(req.query),
  })

  app.get<{ Params: { projectId: string }; Querystring: AuditQuery }>('/v1/projects/:projectId/audit', {
    config: { action: 'audit.read' },
    schema: { tags, summary: "Query a project's audit log, newest first", params: projectParams, querystring: auditQuery, response: { 200: auditPage } },
    handler: async (req) => service.queryAudit({ ...req.query, projectId: req.params.projectId }),
  })
}
