import type { FastifyInstance } from 'fastify'
import type { PlatformService } from '../service.ts'
import { IdSchema, SubjectSchema, projectParams } from '../schemas.ts'

const tags = ['platform']
const keyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    subject: { ...SubjectSchema, description: 'Who the key acts as; defaults to the caller. Must be a member.' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const

export async function apiKeyRoutes(app: FastifyInstance, { service }: { service: PlatformService }) {
  app.post<{ Params: { projectId: string }; Body: { name: string; subject?: string; expiresAt?: string | null } }>('/v1/projects/:projectId/api-keys', {
    config: { action: 'apikey.write' },
    schema: {
      tags,
      summary: 'Issue a project-scoped API key (the secret is returned once)',
      params: projectParams,
      body: keyBody,
      response: { 201: { $ref: 'IssuedApiKey#' } },
    },
    handler: async (req, reply) => {
      const issued = await service.createProjectKey(req.params.projectId, { ...req.body, subject: req.body.subject ?? req.principal.subject })
      return reply.code(201).header('cache-control', 'no-store').send(issued)
    },
  })

  app.get<{ Params: { projectId: string } }>('/v1/projects/:projectId/api-keys', {
    config: { action: 'apikey.read' },
    schema: {
      tags,
      summary: 'List API keys of a project (never their secrets)',
      params: projectParams,
      response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'ApiKey#' } } } } },
    },
    handler: async (req) => ({ items: await service.listProjectKeys(req.params.projectId) }),
  })

  app.delete<{ Params: { projectId: string; keyId: string } }>('/v1/projects/:projectId/api-keys/:keyId', {
    config: { action: 'apikey.write' },
    schema: {
      tags,
      summary: 'Revoke an API key (idempotent)',
      params: { type: 'object', required: ['projectId', 'keyId'], properties: { projectId: IdSchema, keyId: { type: 'string', pattern: '^[a-z0-9]{8,64}$' } } },
      response: { 200: { $ref: 'ApiKey#' } },
    },
    handler: async (req) => service.revokeProjectKey(req.params.projectId, req.params.keyId),
  })
}
