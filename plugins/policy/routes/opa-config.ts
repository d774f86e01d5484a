/**
 * OPA's Config API for one project: `GET /v1/projects/{id}/opa/v1/config`. OPA answers with its
 * active configuration, service credentials and key material removed. A Dyad project has no OPA
 * configuration file, so the answer states, in OPA's terms, what applies to the project:
 * - `labels`: `id` (the DC that answers), `version` (Dyad's) and `project`;
 * - `default_decision`: `/system/main`, what `POST /v1/projects/{id}/opa/` evaluates;
 * - `keys`: the project's bundle verification keys with their algorithm and scope, never the key
 *   itself (OPA removes `key` and `private_key` the same way);
 * - `bundles`: with keys, the project's bundle and its `signing` settings (keyid, scope, exclude_files).
 * Left out because nothing in Dyad corresponds: `services` (Dyad is the bundle server and the
 * decision-log store itself), `default_authorization_decision` (Dyad authorizes every request with
 * its own per-project `data.dyad.authz`, see `/v1/projects/{id}/authz-policy`), and the
 * `decision_logs` and `status` plugin settings, which are not per project.
 */
import type { FastifyInstance } from 'fastify'
import type { VerificationConfig } from '../bundle/signing.ts'
import type { PolicyStore } from '../store.ts'
import { indentJson, OPA_BASE, opaBooleanParams, projectOnly, tags } from './opa-common.ts'

export interface OpaConfigRouteOptions {
  store: PolicyStore
  dc: string
  version: string
}

export function projectOpaConfig(projectId: string, o: { dc: string; version: string }, verification: VerificationConfig | undefined) {
  const config: Record<string, unknown> = {
    labels: { id: o.dc, version: o.version, project: projectId },
    default_decision: '/system/main',
  }
  if (verification) {
    config.keys = Object.fromEntries(Object.entries(verification.keys).map(([id, k]) => [id, { algorithm: k.algorithm, ...(k.scope ? { scope: k.scope } : {}) }]))
    const signing = {
      ...(verification.keyid ? { keyid: verification.keyid } : {}),
      ...(verification.scope ? { scope: verification.scope } : {}),
      ...(verification.exclude_files ? { exclude_files: verification.exclude_files } : {}),
    }
    config.bundles = { [projectId]: { signing } }
  }
  return config
}

export async function opaConfigRoutes(app: FastifyInstance, opts: OpaConfigRouteOptions) {
  app.get<{ Params: { projectId: string }; Querystring: { pretty?: boolean } }>(`${OPA_BASE}/v1/config`, {
    config: { action: 'policy.read' },
    preValidation: opaBooleanParams,
    schema: {
      tags,
      summary: "OPA's Config API: what applies to this project, in OPA's configuration terms, without key material",
      params: projectOnly,
      querystring: { type: 'object', properties: { pretty: { type: 'boolean' } } },
      response: { 200: { type: 'object', required: ['result'], properties: { result: { type: 'object', additionalProperties: true } } } },
    },
    handler: async (req, reply) => {
      const raw = await opts.store.getBundleVerification(req.params.projectId)
      const verification = raw === undefined ? undefined : (JSON.parse(raw) as VerificationConfig)
      const body = JSON.stringify({ result: projectOpaConfig(req.params.projectId, opts, verification) })
      return reply.type('application/json; charset=utf-8').send(req.query.pretty ? indentJson(body) : body)
    },
  })
}
