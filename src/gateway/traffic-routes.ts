/** A project's rate limits and request quotas (traffic.ts): read by its admins, set by platform admins. */
import type { FastifyInstance } from 'fastify'
import { IdSchema } from '../contracts/schemas.ts'
import type { KvDocCache } from '../infra/kv/doc-cache.ts'
import { Errors } from '../shared/errors.ts'
import type { TrafficConfig } from './traffic.ts'

const tags = ['traffic']
const params = { type: 'object', required: ['projectId'], properties: { projectId: IdSchema } } as const
const response = { type: 'object', required: ['traffic'], properties: { traffic: { $ref: 'TrafficConfig#' } } } as const

export async function trafficRoutes(app: FastifyInstance, { configs }: { configs: KvDocCache<TrafficConfig> }) {
  app.get<{ Params: { projectId: string } }>('/v1/projects/:projectId/traffic', {
    config: { action: 'traffic.read' },
    schema: { tags, summary: "The project's rate limits and request quotas", params, response: { 200: response } },
    handler: async (req) => ({ traffic: ((await configs.stored(req.params.projectId))?.doc ?? {}) as TrafficConfig }),
  })
  app.put<{ Params: { projectId: string }; Body: TrafficConfig }>('/v1/projects/:projectId/traffic', {
    config: { action: 'traffic.write' },
    schema: { tags, summary: "Replace the project's rate limits (per project, per principal, per route; enforced per process) and request quotas (per day, both DCs)", params, body: { $ref: 'TrafficConfig#' }, response: { 200: response } },
    handler: async (req) => {
      const names = (req.body.rateLimits ?? []).map((r) => r.name)
      const twice = names.find((n, i) => names.indexOf(n) !== i)
      if (twice) throw Errors.validation(`rate limit name ${twice} is used twice`, { name: twice })
      await configs.put(req.params.projectId, req.body)
      return { traffic: req.body }
    },
  })
  app.delete<{ Params: { projectId: string } }>('/v1/projects/:projectId/traffic', {
    config: { action: 'traffic.write' },
    schema: { tags, summary: "Remove the project's rate limits and quotas", params, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await configs.delete(req.params.projectId)
      return reply.code(204).send()
    },
  })
}
