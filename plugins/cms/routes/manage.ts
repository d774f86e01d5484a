/** Apps, environments and namespaces of a project. */
import type { FastifyInstance } from 'fastify'
import { CONFIG_FORMATS, type ConfigFormat } from '../model.ts'
import { APP, BASE, NameSchema, appParams, clusterParams, envParams, nsParams, projectParams, tags, type NsParams } from '../schemas.ts'
import type { CmsService } from '../service.ts'

const appRecord = { type: 'object', required: ['name', 'description', 'createdAt', 'createdBy'], properties: { name: { type: 'string' }, description: { type: 'string' }, createdAt: { type: 'string' }, createdBy: { type: 'string' } } }
const envRecord = { type: 'object', required: ['name', 'protected', 'createdAt'], properties: { name: { type: 'string' }, protected: { type: 'boolean' }, createdAt: { type: 'string' } } }
const nsRecord = {
  type: 'object',
  required: ['format', 'description', 'createdAt'],
  properties: {
    env: { type: 'string' },
    cluster: { type: 'string' },
    namespace: { type: 'string' },
    format: { type: 'string', enum: CONFIG_FORMATS },
    schema: { type: 'object', additionalProperties: true },
    description: { type: 'string' },
    createdAt: { type: 'string' },
  },
}
const items = (schema: object) => ({ type: 'object', required: ['items'], properties: { items: { type: 'array', items: schema } } })
const description = { type: 'string', maxLength: 2000 }
const done = { 204: { type: 'null' } }

export async function manageRoutes(app: FastifyInstance, { service }: { service: CmsService }) {
  const actor = (req: { principal: { subject: string; platformAdmin: boolean } }) => ({ subject: req.principal.subject, platformAdmin: req.principal.platformAdmin })

  app.get<{ Params: { projectId: string } }>(`${BASE}/apps`, {
    config: { action: 'cms.app.read' },
    schema: { tags, summary: 'List apps', params: projectParams, response: { 200: items(appRecord) } },
    handler: async (req) => ({ items: await service.listApps(req.params.projectId) }),
  })
  app.post<{ Params: { projectId: string }; Body: { name: string; description?: string } }>(`${BASE}/apps`, {
    config: { action: 'cms.app.write' },
    schema: {
      tags,
      summary: 'Create an app',
      params: projectParams,
      body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: NameSchema, description } },
      response: { 201: appRecord },
    },
    handler: async (req, reply) => reply.code(201).send(await service.createApp(req.params.projectId, req.body.name, req.body.description ?? '', actor(req))),
  })
  app.get<{ Params: { projectId: string; app: string } }>(APP, {
    config: { action: 'cms.app.read' },
    schema: { tags, summary: 'Get an app', params: appParams, response: { 200: appRecord } },
    handler: async (req) => service.getApp(req.params.projectId, req.params.app),
  })
  app.delete<{ Params: { projectId: string; app: string } }>(APP, {
    config: { action: 'cms.app.write' },
    schema: { tags, summary: 'Delete an app with all its environments, namespaces, drafts and releases', params: appParams, response: done },
    handler: async (req, reply) => {
      await service.deleteApp(req.params.projectId, req.params.app)
      return reply.code(204).send()
    },
  })

  app.get<{ Params: { projectId: string; app: string } }>(`${APP}/envs`, {
    config: { action: 'cms.app.read' },
    schema: { tags, summary: 'List environments of an app', params: appParams, response: { 200: items(envRecord) } },
    handler: async (req) => ({ items: await service.listEnvs(req.params.projectId, req.params.app) }),
  })
  app.post<{ Params: { projectId: string; app: string }; Body: { name: string; protected?: boolean } }>(`${APP}/envs`, {
    config: { action: 'cms.app.write' },
    schema: {
      tags,
      summary: 'Create an environment (protected ones need an approval to publish, per the publish policy)',
      params: appParams,
      body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: NameSchema, protected: { type: 'boolean' } } },
      response: { 201: envRecord },
    },
    handler: async (req, reply) => reply.code(201).send(await service.createEnv(req.params.projectId, req.params.app, req.body.name, req.body.protected ?? false)),
  })
  app.patch<{ Params: { projectId: string; app: string; env: string }; Body: { protected: boolean } }>(`${APP}/envs/:env`, {
    config: { action: 'cms.app.write' },
    schema: {
      tags,
      summary: 'Mark an environment protected or not',
      params: envParams,
      body: { type: 'object', additionalProperties: false, required: ['protected'], properties: { protected: { type: 'boolean' } } },
      response: { 200: envRecord },
    },
    handler: async (req) => service.updateEnv(req.params.projectId, req.params.app, req.params.env, req.body.protected),
  })
  app.delete<{ Params: { projectId: string; app: string; env: string } }>(`${APP}/envs/:env`, {
    config: { action: 'cms.app.write' },
    schema: { tags, summary: 'Delete an environment (refused while it has namespaces)', params: envParams, response: done },
    handler: async (req, reply) => {
      await service.deleteEnv(req.params.projectId, req.params.app, req.params.env)
      return reply.code(204).send()
    },
  })

  app.get<{ Params: { projectId: string; app: string } }>(`${APP}/namespaces`, {
    config: { action: 'cms.app.read' },
    schema: { tags, summary: 'List every namespace of an app (all environments and clusters)', params: appParams, response: { 200: items(nsRecord) } },
    handler: async (req) => ({ items: await service.listNamespaces(req.params.projectId, req.params.app) }),
  })
  app.post<{ Params: { projectId: string; app: string; env: string; cluster: string }; Body: { name: string; format: ConfigFormat; schema?: object; description?: string } }>(
    `${APP}/envs/:env/clusters/:cluster/namespaces`,
    {
      config: { action: 'cms.app.write' },
      schema: {
        tags,
        summary: 'Create a namespace: one document in a format, optionally with a JSON Schema. The `flags` namespace holds feature flags (OFREP).',
        params: clusterParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'format'],
          properties: { name: NameSchema, format: { type: 'string', enum: CONFIG_FORMATS }, schema: { type: 'object' }, description },
        },
        response: { 201: nsRecord },
      },
      handler: async (req, reply) => {
        const { projectId, app: appName, env, cluster } = req.params
        const ref = { projectId, app: appName, env, cluster, namespace: req.body.name }
        return reply.code(201).send(await service.createNamespace(ref, req.body.format, req.body.schema, req.body.description ?? ''))
      },
    },
  )
  app.get<{ Params: NsParams }>(`${APP}/envs/:env/clusters/:cluster/namespaces/:namespace`, {
    config: { action: 'cms.app.read' },
    schema: { tags, summary: 'Get a namespace', params: nsParams, response: { 200: nsRecord } },
    handler: async (req) => service.getNamespace(req.params),
  })
  app.delete<{ Params: NsParams }>(`${APP}/envs/:env/clusters/:cluster/namespaces/:namespace`, {
    config: { action: 'cms.app.write' },
    schema: { tags, summary: 'Delete a namespace with its draft and releases (its clients stop getting config)', params: nsParams, response: done },
    handler: async (req, reply) => {
      await service.deleteNamespace(req.params)
      return reply.code(204).send()
    },
  })
}
