import type { FastifyInstance } from 'fastify'
import type { PlatformService } from '../service.ts'
import { IdSchema, pageQuery, projectParams } from '../schemas.ts'

const tags = ['platform']

export async function projectRoutes(app: FastifyInstance, { service }: { service: PlatformService }) {
  app.post<{ Body: { id?: string; name: string; description?: string } }>('/v1/projects', {
    config: { action: 'project.create' },
    schema: {
      tags,
      summary: 'Create a project (platform admins)',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { id: IdSchema, name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', maxLength: 2000 } },
      },
      response: { 201: { $ref: 'Project#' } },
    },
    handler: async (req, reply) => reply.code(201).send(await service.createProject(req.body)),
  })

  app.get<{ Querystring: { limit?: number; cursor?: string } }>('/v1/projects', {
    config: { action: 'project.list' },
    schema: {
      tags,
      summary: 'List the projects the caller can see',
      querystring: pageQuery,
      response: {
        200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { $ref: 'Project#' } }, nextCursor: { type: 'string' } } },
      },
    },
    handler: async (req) => service.listProjects(req.principal, req.query),
  })

  app.get<{ Params: { projectId: string } }>('/v1/projects/:projectId', {
    config: { action: 'project.read' },
    schema: { tags, summary: 'Get a project', params: projectParams, response: { 200: { $ref: 'Project#' } } },
    handler: async (req) => service.getProject(req.params.projectId),
  })

  app.patch<{ Params: { projectId: string }; Body: { name?: string; description?: string } }>('/v1/projects/:projectId', {
    config: { action: 'project.update' },
    schema: {
      tags,
      summary: 'Update a project',
      params: projectParams,
      body: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, description: { type: 'string', maxLength: 2000 } },
      },
      response: { 200: { $ref: 'Project#' } },
    },
    handler: async (req) => service.updateProject(req.params.projectId, req.body),
  })

  app.delete<{ Params: { projectId: string } }>('/v1/projects/:projectId', {
    config: { action: 'project.delete' },
    schema: { tags, summary: 'Delete a project with its members and keys (audit is kept)', params: projectParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await service.deleteProject(req.params.projectId)
      return reply.code(204).send()
    },
  })
}
