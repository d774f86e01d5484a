import type { FastifyInstance } from 'fastify'
import type { ProjectRole } from '../../../src/infra/ports/platform.ts'
import type { PlatformService } from '../service.ts'
import { IdSchema, SubjectSchema, projectParams } from '../schemas.ts'

const tags = ['platform']
const memberParams = { type: 'object', required: ['projectId', 'subject'], properties: { projectId: IdSchema, subject: SubjectSchema } } as const

export async function memberRoutes(app: FastifyInstance, { service }: { service: PlatformService }) {
  app.get<{ Params: { projectId: string } }>('/v1/projects/:projectId/members', {
    config: { action: 'member.read' },
    schema: {
      tags,
      summary: 'List members of a project',
      params: projectParams,
      response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Member#' } } } } },
    },
    handler: async (req) => ({ items: await service.listMembers(req.params.projectId) }),
  })

  app.put<{ Params: { projectId: string; subject: string }; Body: { role: ProjectRole } }>('/v1/projects/:projectId/members/:subject', {
    config: { action: 'member.write' },
    schema: {
      tags,
      summary: 'Add a member or change their role',
      params: memberParams,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['role'],
        properties: { role: { type: 'string', enum: ['project-admin', 'project-user'] } },
      },
      response: { 200: { $ref: 'Member#' } },
    },
    handler: async (req) => service.putMember(req.params.projectId, req.params.subject, req.body.role),
  })

  app.delete<{ Params: { projectId: string; subject: string } }>('/v1/projects/:projectId/members/:subject', {
    config: { action: 'member.write' },
    schema: { tags, summary: 'Remove a member', params: memberParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await service.deleteMember(req.params.projectId, req.params.subject)
      return reply.code(204).send()
    },
  })
}
