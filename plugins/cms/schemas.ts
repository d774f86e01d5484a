/** The cms domain's shared schemas (registered with `$id`) and parameter shapes. */
import { IdSchema } from '../../src/contracts/schemas.ts'
import { CONFIG_FORMATS } from './model.ts'

/** App, environment, cluster and namespace names: safe in URLs and keys; Apollo app ids may be mixed case. */
export const NameSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } as const

export const BASE = '/v1/projects/:projectId/cms'
export const APP = `${BASE}/apps/:app`
export const NS = `${APP}/envs/:env/clusters/:cluster/namespaces/:namespace`

const params = (...names: string[]) =>
  ({ type: 'object', required: ['projectId', ...names], properties: { projectId: IdSchema, ...Object.fromEntries(names.map((n) => [n, NameSchema])) } }) as const
export const projectParams = params()
export const appParams = params('app')
export const envParams = params('app', 'env')
export const clusterParams = params('app', 'env', 'cluster')
export const nsParams = params('app', 'env', 'cluster', 'namespace')
export type NsParams = { projectId: string; app: string; env: string; cluster: string; namespace: string }

export const GrayRuleSchema = {
  $id: 'CmsGrayRule',
  type: 'object',
  additionalProperties: false,
  description: 'Clients that get the gray release: every listed label must have one of its values; then, if set, a stable percentage of client ids.',
  properties: {
    labels: { type: 'object', maxProperties: 16, additionalProperties: { type: 'array', minItems: 1, maxItems: 64, items: { type: 'string', maxLength: 200 } } },
    percentage: { type: 'number', minimum: 0, maximum: 100 },
  },
} as const

export const ReleaseSchema = {
  $id: 'CmsRelease',
  type: 'object',
  required: ['seq', 'key', 'kind', 'format', 'content', 'hash', 'author', 'approvedBy', 'message', 'createdAt', 'dc'],
  properties: {
    seq: { type: 'integer' },
    key: { type: 'string', description: 'Release key: what clients send back (`releaseKey`, ETag).' },
    kind: { type: 'string', enum: ['publish', 'rollback', 'gray'] },
    format: { type: 'string', enum: CONFIG_FORMATS },
    content: { type: 'string' },
    hash: { type: 'string' },
    author: { type: 'string' },
    approvedBy: { type: 'array', items: { type: 'string' } },
    message: { type: 'string' },
    createdAt: { type: 'string' },
    dc: { type: 'string' },
    restores: { type: 'integer' },
  },
} as const

export const DraftSchema = {
  $id: 'CmsDraft',
  type: 'object',
  required: ['content', 'editors', 'status', 'approvals', 'updatedAt'],
  properties: {
    content: { type: 'string' },
    editors: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: ['editing', 'submitted', 'approved', 'rejected'] },
    submittedBy: { type: 'string' },
    approvals: { type: 'array', items: { type: 'object', properties: { by: { type: 'string' }, at: { type: 'string' }, comment: { type: 'string' } } } },
    rejection: { type: 'object', properties: { by: { type: 'string' }, at: { type: 'string' }, comment: { type: 'string' } } },
    updatedAt: { type: 'string' },
    baseSeq: { type: 'integer' },
  },
} as const

export const DiffSchema = {
  $id: 'CmsDiff',
  type: 'object',
  required: ['changes'],
  properties: {
    from: { type: ['integer', 'null'] },
    to: { type: ['integer', 'string'] },
    changes: {
      type: 'array',
      items: { type: 'object', additionalProperties: true, properties: { key: { type: 'string' }, op: { type: 'string' }, before: { type: 'string' }, after: { type: 'string' } } },
    },
  },
} as const

export const cmsSchemas = [GrayRuleSchema, ReleaseSchema, DraftSchema, DiffSchema] as const
export const tags = ['cms']
