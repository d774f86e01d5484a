import { IdSchema, SubjectSchema } from '../../src/contracts/schemas.ts'

export const ProjectSchema = {
  $id: 'Project',
  type: 'object',
  required: ['id', 'name', 'description', 'createdAt'],
  properties: {
    id: IdSchema,
    name: { type: 'string' },
    description: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const

export const MemberSchema = {
  $id: 'Member',
  type: 'object',
  required: ['projectId', 'subject', 'role', 'createdAt'],
  properties: {
    projectId: { type: 'string' },
    subject: { type: 'string' },
    role: { type: 'string', enum: ['project-admin', 'project-user'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const

export const ApiKeySchema = {
  $id: 'ApiKey',
  type: 'object',
  description: 'An API key as listed: never includes the secret.',
  required: ['id', 'name', 'subject', 'projectId', 'createdAt', 'expiresAt', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    subject: { type: 'string' },
    projectId: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
    lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const

export const IssuedApiKeySchema = {
  $id: 'IssuedApiKey',
  type: 'object',
  description: 'Returned once when a key is created: store `apiKey` now, it cannot be shown again.',
  required: ['apiKey', 'key'],
  properties: { apiKey: { type: 'string' }, key: { $ref: 'ApiKey#' } },
} as const

export const platformSchemas = [ProjectSchema, MemberSchema, ApiKeySchema, IssuedApiKeySchema]

export const projectParams = { type: 'object', required: ['projectId'], properties: { projectId: IdSchema } } as const
export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    cursor: { type: 'string', maxLength: 1000 },
  },
} as const
export { IdSchema, SubjectSchema }
