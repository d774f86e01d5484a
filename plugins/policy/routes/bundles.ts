/**
 * OPA bundles: import one built by `opa build` (replaces the project's policies and data), and
 * serve the project's current policies and data as a bundle so existing OPA agents can poll Dyad
 * as their bundle server (`services.dyad.url` = `.../v1/projects/{id}`, resource
 * `bundles/bundle.tar.gz`, a bearer API key as credentials). The ETag is a hash of the project's
 * policies and data, so an unchanged bundle is a cheap 304 in either DC.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { readBundle, writeBundle } from '../bundle/bundle.ts'
import { BundleError } from '../bundle/errors.ts'
import type { BundleSigner, VerificationConfig } from '../bundle/signing.ts'
import { redactedConfigSchema, redactVerificationConfig, validateVerificationConfig, verificationConfigSchema } from '../bundle/verification-config.ts'
import type { PolicyStore } from '../store.ts'
import { jsonDepth, MAX_BODY_DEPTH } from '../../../src/shared/json-depth.ts'
import { PolicyErrors } from '../errors.ts'
import type { PolicyService } from '../service.ts'
import { projectOnly } from './opa-common.ts'

const tags = ['policy']
const BUNDLE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/vnd.openpolicyagent.bundles']

export interface BundleRouteOptions {
  service: PolicyService
  store: PolicyStore
  maxBundleBytes: number
  /** Dyad's signing key: when set, served bundles carry a .signatures.json. */
  signer?: BundleSigner
}

export async function bundleRoutes(app: FastifyInstance, opts: BundleRouteOptions) {
  const verificationOf = async (projectId: string): Promise<VerificationConfig | undefined> => {
    const raw = await opts.store.getBundleVerification(projectId)
    return raw === undefined ? undefined : JSON.parse(raw)
  }
  // The served bundle changes when the signing identity does, so its ETag does too; still derived
  // from content and configuration only, never from signature bytes (ECDSA/PSS are randomised).
  const signerTag = opts.signer ? createHash('sha256').update(JSON.stringify([opts.signer.algorithm, opts.signer.keyid ?? '', opts.signer.scope ?? ''])).digest('hex').slice(0, 8) : ''

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
      const verification = await verificationOf(req.params.projectId)
      try {
        bundle = await readBundle(req.body, { maxBytes: opts.maxBundleBytes * 8, ...(verification ? { verification } : {}) })
      } catch (err) {
        if (err instanceof BundleError) throw PolicyErrors.bundle(err.code, err.message)
        throw err
      }
      // A signed bundle for a project without verification keys: importing it as if verified would
      // lie, so it is refused (OPA too refuses a signed bundle when it has no key).
      if (bundle.unsupported.length > 0) throw PolicyErrors.bundle('BUNDLE_UNSUPPORTED', `the bundle is signed but this project has no bundle verification keys; configure them (PUT /v1/projects/${req.params.projectId}/bundles/verification) or remove ${bundle.unsupported.join(', ')}`)
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
      const etag = `"${snapshot.etag}${signerTag}"`
      reply.header('etag', etag).header('cache-control', 'no-cache')
      if (req.headers['if-none-match'] === etag) return reply.code(304).send()
      const gz = await writeBundle({ revision: snapshot.etag, modules: snapshot.modules.map((m) => ({ path: m.id, raw: m.raw })), data: snapshot.data }, opts.signer ? { signer: opts.signer } : {})
      return reply.type('application/gzip').send(gz)
    },
  })

  const verificationUrl = '/v1/projects/:projectId/bundles/verification'
  app.put<{ Params: { projectId: string }; Body: VerificationConfig }>(verificationUrl, {
    config: { action: 'bundle.write' },
    schema: {
      tags,
      summary: 'Set the keys imported bundles must be signed with (OPA keys + signing config); from then on unsigned bundles are refused',
      params: projectOnly,
      body: verificationConfigSchema,
      response: { 200: redactedConfigSchema },
    },
    handler: async (req) => {
      const config = validateVerificationConfig(req.body)
      await opts.store.putBundleVerification(req.params.projectId, JSON.stringify(config))
      return redactVerificationConfig(config)
    },
  })

  app.get<{ Params: { projectId: string } }>(verificationUrl, {
    config: { action: 'bundle.write' },
    schema: { tags, summary: 'The bundle verification config (public keys shown, HMAC secrets redacted)', params: projectOnly, response: { 200: redactedConfigSchema } },
    handler: async (req) => {
      const config = await verificationOf(req.params.projectId)
      if (!config) throw PolicyErrors.notFound('this project has no bundle verification config; bundles are imported unsigned')
      return redactVerificationConfig(config)
    },
  })

  app.delete<{ Params: { projectId: string } }>(verificationUrl, {
    config: { action: 'bundle.write' },
    schema: { tags, summary: 'Remove the bundle verification config (unsigned bundles are accepted again, signed ones refused)', params: projectOnly, response: { 204: { type: 'null' } } },
    handler: async (req, reply) => {
      if (!(await opts.store.deleteBundleVerification(req.params.projectId))) throw PolicyErrors.notFound('this project has no bundle verification config')
      return reply.code(204).send()
    },
  })
}
