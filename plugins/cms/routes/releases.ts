/** Drafts and the publish workflow: submit, approve, reject, publish (to all or gray), promote, abort, rollback, history, diffs. */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { CmsErrors } from '../errors.ts'
import type { GrayRule } from '../model.ts'
import { NS, nsParams, tags, type NsParams } from '../schemas.ts'
import type { CmsService } from '../service.ts'

const draftOut = { 200: { $ref: 'CmsDraft#' }, 201: { $ref: 'CmsDraft#' } }
const comment = { type: 'object', additionalProperties: false, properties: { comment: { type: 'string', maxLength: 2000 } } }
const release = { $ref: 'CmsRelease#' }
const seqParams = { ...nsParams, required: [...nsParams.required, 'seq'], properties: { ...nsParams.properties, seq: { type: 'integer', minimum: 1 } } }

const actor = (req: FastifyRequest) => ({ subject: req.principal.subject, platformAdmin: req.principal.platformAdmin })
const ifMatch = (req: FastifyRequest) => {
  const v = req.headers['if-match']
  return typeof v === 'string' ? v.trim() : undefined
}

export async function releaseRoutes(app: FastifyInstance, { service }: { service: CmsService }) {
  app.get<{ Params: NsParams }>(`${NS}/draft`, {
    config: { action: 'cms.release.read' },
    schema: { tags, summary: 'Get the draft (ETag: send it back as If-Match to change it)', params: nsParams, response: { 200: draftOut[200] } },
    handler: async (req, reply) => {
      const { draft, etag } = await service.getDraft(req.params)
      return reply.header('etag', etag).send(draft)
    },
  })

  app.put<{ Params: NsParams; Body: string | { content: string } }>(`${NS}/draft`, {
    config: { action: 'cms.draft.write' },
    schema: {
      tags,
      summary: 'Create or replace the draft (validated in the namespace format and schema). Replacing needs If-Match.',
      params: nsParams,
      consumes: ['application/json', 'text/plain'],
      body: { oneOf: [{ type: 'string' }, { type: 'object', additionalProperties: false, required: ['content'], properties: { content: { type: 'string' } } }] },
      response: draftOut,
    },
    handler: async (req, reply) => {
      const content = typeof req.body === 'string' ? req.body : req.body?.content
      if (typeof content !== 'string') throw CmsErrors.invalidDocument('send the document as text/plain, or as JSON {"content": "..."}')
      const { draft, etag, created } = await service.putDraft(req.params, content, ifMatch(req), actor(req))
      return reply.code(created ? 201 : 200).header('etag', etag).send(draft)
    },
  })

  app.delete<{ Params: NsParams }>(`${NS}/draft`, {
    config: { action: 'cms.draft.write' },
    schema: { tags, summary: 'Discard the draft', params: nsParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await service.discardDraft(req.params, ifMatch(req))
      return reply.code(204).send()
    },
  })

  app.get<{ Params: NsParams }>(`${NS}/draft/diff`, {
    config: { action: 'cms.release.read' },
    schema: { tags, summary: 'Diff of the draft against the main release (per key for properties, JSON and YAML)', params: nsParams, response: { 200: { $ref: 'CmsDiff#' } } },
    handler: async (req) => service.diffDraft(req.params),
  })

  const step = (path: string, summary: string, action: string, run: (req: FastifyRequest<{ Params: NsParams; Body: { comment?: string } }>) => Promise<{ draft: unknown; etag: string }>) =>
    app.post<{ Params: NsParams; Body: { comment?: string } }>(`${NS}/draft/${path}`, {
      config: { action },
      schema: { tags, summary, params: nsParams, body: comment, response: { 200: draftOut[200] } },
      handler: async (req, reply) => {
        const { draft, etag } = await run(req)
        return reply.header('etag', etag).send(draft)
      },
    })
  step('submit', 'Submit the draft for approval', 'cms.draft.write', (req) => service.submit(req.params, actor(req), ifMatch(req)))
  step('approve', 'Approve a submitted draft (the publish policy decides who may: shipped, not one of its editors)', 'cms.release.write', (req) =>
    service.approve(req.params, actor(req), req.body?.comment ?? '', ifMatch(req)),
  )
  step('reject', 'Reject a submitted or approved draft', 'cms.release.write', (req) => service.reject(req.params, actor(req), req.body?.comment ?? '', ifMatch(req)))

  app.post<{ Params: NsParams; Body: { message?: string; gray?: GrayRule } }>(`${NS}/releases`, {
    config: { action: 'cms.release.write' },
    schema: {
      tags,
      summary: 'Publish the draft as a new release (to every client, or with `gray` to the clients the rule selects); the publish policy decides',
      params: nsParams,
      body: { type: 'object', additionalProperties: false, properties: { message: { type: 'string', maxLength: 2000 }, gray: { $ref: 'CmsGrayRule#' } } },
      response: { 201: release },
    },
    handler: async (req, reply) => {
      const body = req.body ?? {}
      return reply.code(201).send(await service.publish(req.params, actor(req), { message: body.message ?? '', gray: body.gray, ifMatch: ifMatch(req) }))
    },
  })

  app.get<{ Params: NsParams }>(`${NS}/releases`, {
    config: { action: 'cms.release.read' },
    schema: { tags, summary: 'Release history, newest first', params: nsParams, response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: release } } } } },
    handler: async (req) => ({ items: await service.listReleases(req.params) }),
  })

  app.get<{ Params: NsParams; Querystring: { from: number; to: number } }>(`${NS}/releases/diff`, {
    config: { action: 'cms.release.read' },
    schema: {
      tags,
      summary: 'Diff between two releases',
      params: nsParams,
      querystring: { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } } },
      response: { 200: { $ref: 'CmsDiff#' } },
    },
    handler: async (req) => service.diff(req.params, req.query.from, req.query.to),
  })

  app.get<{ Params: NsParams & { seq: number } }>(`${NS}/releases/:seq`, {
    config: { action: 'cms.release.read' },
    schema: { tags, summary: 'One release', params: seqParams, response: { 200: release } },
    handler: async (req) => service.getRelease(req.params, req.params.seq),
  })

  app.post<{ Params: NsParams; Body: { to: number; message?: string } }>(`${NS}/rollback`, {
    config: { action: 'cms.release.write' },
    schema: {
      tags,
      summary: 'Roll back: a new release with the content of release `to`',
      params: nsParams,
      body: { type: 'object', additionalProperties: false, required: ['to'], properties: { to: { type: 'integer', minimum: 1 }, message: { type: 'string', maxLength: 2000 } } },
      response: { 201: release },
    },
    handler: async (req, reply) => reply.code(201).send(await service.rollback(req.params, actor(req), req.body.to, req.body.message ?? '')),
  })

  app.post<{ Params: NsParams }>(`${NS}/gray/promote`, {
    config: { action: 'cms.release.write' },
    schema: { tags, summary: 'Promote the gray release to every client', params: nsParams, response: { 200: release } },
    handler: async (req) => service.promoteGray(req.params),
  })
  app.post<{ Params: NsParams }>(`${NS}/gray/abort`, {
    config: { action: 'cms.release.write' },
    schema: { tags, summary: 'Abort the gray release: its clients go back to the main release', params: nsParams, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      await service.abortGray(req.params)
      return reply.code(204).send()
    },
  })
}
