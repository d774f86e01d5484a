/** Apollo access keys of an app: create (the secret is shown once), list ids, revoke. */
import type { FastifyInstance } from 'fastify'
import type { AccessKeys } from '../access-keys.ts'
import { CmsErrors } from '../errors.ts'
import { APP, appParams, tags } from '../schemas.ts'
import type { CmsService } from '../service.ts'

const keyParams = { ...appParams, required: [...appParams.required, 'keyId'], properties: { ...appParams.properties, keyId: { type: 'string', pattern: '^[a-f0-9]{16}$' } } }

export async function accessKeyRoutes(app: FastifyInstance, { service, keys }: { service: CmsService; keys: AccessKeys }) {
  app.post<{ Params: { projectId: string; app: string } }>(`${APP}/access-keys`, {
    config: { action: 'cms.app.write' },
    schema: {
      tags,
      summary: "Create an Apollo access key for the app (Apollo clients sign with it); the secret is returned only now",
      params: appParams,
      response: { 201: { type: 'object', required: ['id', 'secret'], properties: { id: { type: 'string' }, secret: { type: 'string' } } } },
    },
    handler: async (req, reply) => {
      await service.getApp(req.params.projectId, req.params.app)
      return reply.code(201).header('cache-control', 'no-store').send(await keys.create(req.params.projectId, req.params.app))
    },
  })
  app.get<{ Params: { projectId: string; app: string } }>(`${APP}/access-keys`, {
    config: { action: 'cms.app.read' },
    schema: { tags, summary: "Ids of the app's Apollo access keys (never the secrets)", params: appParams, response: { 200: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } } } } },
    handler: async (req) => {
      await service.getApp(req.params.projectId, req.params.app)
      return { items: await keys.list(req.params.projectId, req.params.app) }
    },
  })
  app.delete<{ Params: { projectId: string; app: string; keyId: string } }>(`${APP}/access-keys/:keyId`, {
    config: { action: 'cms.app.write' },
    schema: { tags, summary: 'Revoke an Apollo access key (clients signing with it are refused within 10 s)', params: keyParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      if (!(await keys.revoke(req.params.projectId, req.params.app, req.params.keyId))) throw CmsErrors.notFoundKey(`access key ${req.params.keyId} does not exist`)
      return reply.code(204).send()
    },
  })
}
