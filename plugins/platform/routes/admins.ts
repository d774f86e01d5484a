import type { FastifyInstance } from 'fastify'
import type { PlatformService } from '../service.ts'
import { SubjectSchema } from '../schemas.ts'

const tags = ['platform']
const subjectParams = { type: 'object', required: ['subject'], properties: { subject: SubjectSchema } } as const

export async function adminRoutes(app: FastifyInstance, { service }: { service: PlatformService }) {
  app.get('/v1/whoami', {
    config: { action: 'whoami' },
    schema: {
      tags,
      summary: 'The calling principal',
      response: {
        200: {
          type: 'object',
          required: ['subject', 'via', 'projectScope', 'platformAdmin'],
          properties: { subject: { type: 'string' }, via: { type: 'string', enum: ['api-key', 'jwt'] }, keyId: { type: 'string' }, projectScope: { type: ['string', 'null'] }, platformAdmin: { type: 'boolean' } },
        },
      },
    },
    handler: async (req) => req.principal,
  })

  app.get('/v1/admins', {
    config: { action: 'platform.admin.read' },
    schema: { tags, summary: 'List platform admins', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'string' } } } } } },
    handler: async () => ({ items: await service.listAdmins() }),
  })

  app.put<{ Params: { subject: string } }>('/v1/admins/:subject', {
    config: { action: 'platform.admin.write' },
    schema: { tags, summary: 'Make a subject a platform admin', params: subjectParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await service.setAdmin(req.params.subject, true)
      return reply.code(204).send()
    },
  })

  app.delete<{ Params: { subject: string } }>('/v1/admins/:subject', {
    config: { action: 'platform.admin.write' },
    schema: { tags, summary: 'Remove a platform admin (never the last one)', params: subjectParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await service.setAdmin(req.params.subject, false)
      return reply.code(204).send()
    },
  })

  app.post<{ Body: { name: string; subject?: string; expiresAt?: string | null } }>('/v1/admin/api-keys', {
    config: { action: 'platform.admin.write' },
    schema: {
      tags,
      summary: 'Issue an unscoped (platform-level) API key; the secret is returned once',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, subject: SubjectSchema, expiresAt: { type: ['string', 'null'], format: 'date-time' } },
      },
      response: { 201: { $ref: 'IssuedApiKey#' } },
    },
    handler: async (req, reply) => {
      const issued = await service.createPlatformKey({ ...req.body, subject: req.body.subject ?? req.principal.subject })
      return reply.code(201).header('cache-control', 'no-store').send(issued)
    },
  })
}
