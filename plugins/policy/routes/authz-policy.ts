/** Platform admins replace the gateway's authorization policy for one project (or restore the shipped one). */
import type { FastifyInstance } from 'fastify'
import type { RegoAuthorizer } from '../authz/authorizer.ts'
import { SHIPPED_AUTHZ } from '../authz/authorizer.ts'
import { PolicyErrors } from '../errors.ts'
import type { PolicyStore } from '../store.ts'
import { projectOnly } from './opa-common.ts'

const tags = ['policy']
const current = { type: 'object', required: ['raw', 'shipped'], properties: { raw: { type: 'string' }, shipped: { type: 'boolean' } } } as const

export async function authzPolicyRoutes(app: FastifyInstance, opts: { store: PolicyStore; authorizer: RegoAuthorizer; maxBytes: number }) {
  app.get<{ Params: { projectId: string } }>('/v1/projects/:projectId/authz-policy', {
    config: { action: 'authz.read' },
    schema: { tags, summary: "The project's authorization policy (data.dyad.authz)", params: projectOnly, response: { 200: current } },
    handler: async (req) => {
      const raw = await opts.store.getAuthzOverride(req.params.projectId)
      return raw ? { raw, shipped: false } : { raw: SHIPPED_AUTHZ, shipped: true }
    },
  })

  app.put<{ Params: { projectId: string }; Body: string }>('/v1/projects/:projectId/authz-policy', {
    config: { action: 'authz.write' },
    schema: { tags, summary: "Replace the project's authorization policy (Rego, text/plain)", params: projectOnly, consumes: ['text/plain'], body: { type: 'string' }, response: { 200: current } },
    handler: async (req) => {
      if (typeof req.body !== 'string') throw PolicyErrors.invalidParameter('send the Rego source as the text/plain body')
      if (Buffer.byteLength(req.body) > opts.maxBytes) throw PolicyErrors.tooLarge(`the policy is larger than ${opts.maxBytes} bytes`)
      opts.authorizer.validateReplacement(req.body)
      await opts.store.putAuthzOverride(req.params.projectId, req.body)
      opts.authorizer.invalidate(req.params.projectId)
      return { raw: req.body, shipped: false }
    },
  })

  app.delete<{ Params: { projectId: string } }>('/v1/projects/:projectId/authz-policy', {
    config: { action: 'authz.write' },
    schema: { tags, summary: 'Restore the shipped authorization policy', params: projectOnly, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await opts.store.deleteAuthzOverride(req.params.projectId)
      opts.authorizer.invalidate(req.params.projectId)
      return reply.code(204).send()
    },
  })
}
