/** Export/import of an app, and the write-only secret values that config references point at. */
import type { FastifyInstance } from 'fastify'
import type { SecretsStore } from '../../../src/infra/ports/secrets.ts'
import type { ConfigCache } from '../cache.ts'
import { CmsErrors } from '../errors.ts'
import { APP, BASE, appParams, projectParams, tags } from '../schemas.ts'
import { SECRET_PATH_RE, secretPath, type SecretResolver } from '../secrets.ts'
import type { CmsService } from '../service.ts'
import { EXPORT_KIND, exportApp, importApp, type AppExport } from '../transfer.ts'

const exportSchema = {
  type: 'object',
  required: ['kind', 'version', 'app', 'envs', 'namespaces'],
  properties: {
    kind: { const: EXPORT_KIND },
    version: { const: 1 },
    exportedAt: { type: 'string' },
    app: { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' }, description: { type: 'string', maxLength: 2000 } } },
    envs: { type: 'array', maxItems: 100, items: { type: 'object', required: ['name', 'protected'], properties: { name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' }, protected: { type: 'boolean' } } } },
    namespaces: {
      type: 'array',
      maxItems: 2000,
      items: {
        type: 'object',
        required: ['env', 'cluster', 'name', 'format', 'content'],
        properties: {
          env: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
          cluster: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
          format: { type: 'string', enum: ['properties', 'json', 'yaml', 'text'] },
          schema: { type: 'object', additionalProperties: true },
          description: { type: 'string', maxLength: 2000 },
          content: { type: ['string', 'null'] },
          releaseKey: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const

const secretParams = { type: 'object', required: ['projectId', '*'], properties: { projectId: projectParams.properties.projectId, '*': { type: 'string', pattern: SECRET_PATH_RE.source } } } as const

export interface TransferRoutesOptions {
  service: CmsService
  cache: ConfigCache
  secrets: SecretsStore
  resolver: SecretResolver
}

export async function transferRoutes(app: FastifyInstance, { service, cache, secrets, resolver }: TransferRoutesOptions) {
  app.get<{ Params: { projectId: string; app: string } }>(`${APP}/export`, {
    config: { action: 'cms.export' },
    schema: { tags, summary: 'Export an app: every environment and namespace with its main release (secret references stay references)', params: appParams, response: { 200: exportSchema } },
    handler: async (req, reply) => {
      const file = await exportApp(service, cache, req.params.projectId, req.params.app)
      return reply.header('content-disposition', `attachment; filename="${req.params.app}.cms.json"`).send(file)
    },
  })

  app.post<{ Params: { projectId: string }; Body: AppExport }>(`${BASE}/import`, {
    config: { action: 'cms.import' },
    schema: {
      tags,
      summary: 'Import an app export: creates what is missing and puts every document as a draft (publishing is a separate step)',
      params: projectParams,
      body: exportSchema,
      response: { 200: { type: 'object', additionalProperties: true } },
    },
    handler: async (req) => importApp(service, req.params.projectId, req.body, { subject: req.principal.subject, platformAdmin: req.principal.platformAdmin }),
  })

  app.get<{ Params: { projectId: string } }>(`${BASE}/secrets`, {
    config: { action: 'cms.secrets.write' },
    schema: { tags, summary: 'Names of the secret values config references can point at (never the values)', params: projectParams, response: { 200: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } } } } },
    handler: async (req) => {
      const prefix = secretPath(req.params.projectId, '')
      return { items: (await secrets.list(prefix)).map((n) => (n.startsWith(prefix) ? n.slice(prefix.length) : n)) }
    },
  })

  app.put<{ Params: { projectId: string; '*': string }; Body: { value: Record<string, string> } }>(`${BASE}/secrets/*`, {
    config: { action: 'cms.secrets.write' },
    schema: {
      tags,
      summary: 'Store a secret value; config values reference it as vault:<path>#<field>',
      params: secretParams,
      body: { type: 'object', additionalProperties: false, required: ['value'], properties: { value: { type: 'object', maxProperties: 64, additionalProperties: { type: 'string', maxLength: 65536 } } } },
      response: { 204: { type: 'null' } },
    },
    handler: async (req, reply) => {
      await secrets.put(secretPath(req.params.projectId, req.params['*']), req.body.value)
      resolver.forget(req.params.projectId, req.params['*'])
      return reply.code(204).send()
    },
  })

  app.delete<{ Params: { projectId: string; '*': string } }>(`${BASE}/secrets/*`, {
    config: { action: 'cms.secrets.write' },
    schema: { tags, summary: 'Delete a secret value', params: secretParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      if (!(await secrets.delete(secretPath(req.params.projectId, req.params['*'])))) throw CmsErrors.secretUnresolved('no such secret')
      resolver.forget(req.params.projectId, req.params['*'])
      return reply.code(204).send()
    },
  })
}
