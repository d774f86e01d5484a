/**
 * OPA bundles: import one built by `opa build` (replaces the project's policies and data), and
 * serve the project's current policies and data as a bundle so existing OPA agents can poll Dyad
 * as their bundle server (`services.dyad.url` = `.../v1/projects/{id}`, resource
 * `bundles/bundle.tar.gz`, a bearer API key as credentials). The ETag is a hash of the project's
 * policies and data, so an unchanged bundle is a cheap 304 in either DC.
 */
import type { FastifyInstance } from 'fastify'
import { readBundle, writeBundle } from '../bundle/bundle.ts'
import { BundleError } from '../bundle/errors.ts'
import { jsonDepth, MAX_BODY_DEPTH } from '../../../src/shared/json-depth.ts'
import { PolicyErrors } from '../errors.ts'
import type { PolicyService } from '../service.ts'
import { projectOnly } from './opa-common.ts'

const tags = ['policy']
const BUNDLE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/vnd.openpolicyagent.bundles']

export async function bundleRoutes(app: FastifyInstance, opts: { service: PolicyService; maxBundleBytes: number }) {
  app.addContentTypeParser(BUNDLE_TYPES, { parseAs: 'buffer', bodyLimit: opts.maxBundleBytes }, (_req, body, done) => done(null, body))

  app.post<{ Params: { projectId: string }; Body: Buffer }>('/v1/projects/:projectId/bundles', {
    config: { action: 'bundle.write' },
    schema: {
      tags,
      summary: 'Import an OPA bundle (.tar.gz); replaces the project\'s policies and data once it compiles',
      params: projectOnly,
      consumes: BUNDLE_TYPES,
      response: { 200: { type: 'object', required: ['revision', 'policies'], properties: { revision: { type: 'string' }, policies: { type: 'array', items: { type: 'string' } }, storeRevision: { type: 'integer' } } } },
    },
    handler: async (req) => {
      if (!Buffer.isBuffer(req.body)) throw PolicyErrors.invalidParameter('send the bundle as application/gzip')
      let bundle
      try {
        bundle = await readBundle(req.body, { maxBytes: opts.maxBundleBytes * 8 })
      } catch (err) {
        if (err instanceof BundleError) throw PolicyErrors.bundle(err.code, err.message)
        throw err
      }
      // Signatures cannot be verified here yet; importing a signed bundle as if verified would lie.
      if (bundle.unsupported.length > 0) throw PolicyErrors.bundle('BUNDLE_UNSUPPORTED', `bundle signatures are not verified by Dyad; remove ${bundle.unsupported.join(', ')} or import an unsigned bundle`)
      if (jsonDepth(bundle.data) > MAX_BODY_DEPTH) throw PolicyErrors.bundle('BUNDLE_INVALID_DATA', `bundle data is nested more than ${MAX_BODY_DEPTH} levels deep`)
      const snapshot = await opts.service.importBundle(req.params.projectId, bundle)
      return { revision: bundle.manifest.revision, policies: bundle.modules.map((m) => m.path), storeRevision: snapshot.revision }
    },
  })

  app.get<{ Params: { projectId: string } }>('/v1/projects/:projectId/bundles/bundle.tar.gz', {
    config: { action: 'bundle.read' },
    schema: { tags, summary: 'The project\'s policies and data as an OPA bundle (ETag / If-None-Match)', params: projectOnly, produces: ['application/gzip'] },
    handler: async (req, reply) => {
      const snapshot = await opts.service.snapshot(req.params.projectId)
      const etag = `"${snapshot.etag}"`
      reply.header('etag', etag).header('cache-control', 'no-cache')
      if (req.headers['if-none-match'] === etag) return reply.code(304).send()
      const gz = await writeBundle({ revision: snapshot.etag, modules: snapshot.modules.map((m) => ({ path: m.id, raw: m.raw })), data: snapshot.data })
      return reply.type('application/gzip').send(gz)
    },
  })
}
