/** The rag domain's shared schemas (registered with `$id`), parameter shapes and record schemas. */
import { IdSchema } from '../../src/contracts/schemas.ts'

export const BASE = '/v1/projects/:projectId/rag'
export const KB = `${BASE}/kbs/:kbId`
export const tags = ['rag']

/** Knowledge-base and document ids: safe in URLs; chosen by the caller or generated. */
export const RagIdSchema = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' } as const

const scalar = { type: ['string', 'number', 'boolean'] }

/** OpenAI's vector-store `filters` shape: comparison or compound, nested. */
export const RagFilterSchema = {
  $id: 'RagFilter',
  description: 'Metadata filter: a comparison `{type: eq|ne|gt|gte|lt|lte|in|nin, key, value}` or a compound `{type: and|or, filters: [...]}`.',
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'key', 'value'],
      properties: {
        type: { type: 'string', enum: ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin'] },
        key: { type: 'string', minLength: 1, maxLength: 128 },
        value: { anyOf: [scalar, { type: 'array', maxItems: 1000, items: scalar }] },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'filters'],
      properties: { type: { type: 'string', enum: ['and', 'or'] }, filters: { type: 'array', maxItems: 64, items: { $ref: 'RagFilter#' } } },
    },
  ],
} as const

export const ragSchemas = [RagFilterSchema]

export const projectParams = { type: 'object', required: ['projectId'], properties: { projectId: IdSchema } } as const
export const kbParams = { type: 'object', required: ['projectId', 'kbId'], properties: { projectId: IdSchema, kbId: RagIdSchema } } as const
export const docParams = {
  type: 'object',
  required: ['projectId', 'kbId', 'documentId'],
  properties: { projectId: IdSchema, kbId: RagIdSchema, documentId: RagIdSchema },
} as const
export const jobParams = { type: 'object', required: ['projectId', 'jobId'], properties: { projectId: IdSchema, jobId: RagIdSchema } } as const
export const conversationParams = { type: 'object', required: ['projectId', 'conversationId'], properties: { projectId: IdSchema, conversationId: RagIdSchema } } as const

const EmbeddingRecord = {
  type: 'object',
  required: ['provider', 'model', 'dimension'],
  properties: { provider: { type: 'string', enum: ['offline', 'gateway'] }, model: { type: 'string' }, dimension: { type: 'integer' }, sendDimensions: { type: 'boolean' } },
} as const

/** What a caller asks for when it creates a base or changes its model. */
export const EmbeddingSpecSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'provider "offline" (default): the in-process embedder, `dimension` 16–2000 (default 512). provider "gateway": an embedding model or alias of the project\'s LLM gateway (`model`, default `default-embed`); `dimension` is asked of the model (OpenAI text-embedding-3 can shorten), else the model\'s own.',
  properties: {
    provider: { type: 'string', enum: ['offline', 'gateway'] },
    model: { type: 'string', minLength: 1, maxLength: 200 },
    dimension: { type: 'integer', minimum: 16, maximum: 4000 },
  },
} as const

export const KbRecord = {
  type: 'object',
  required: ['id', 'name', 'description', 'embedding', 'chunking', 'indexVersion', 'createdAt', 'createdBy'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    embedding: EmbeddingRecord,
    chunking: { type: 'object', required: ['maxTokens', 'overlapTokens'], properties: { maxTokens: { type: 'integer' }, overlapTokens: { type: 'integer' } } },
    indexVersion: { type: 'integer' },
    trainedVersions: { type: 'array', items: { type: 'integer' } },
    trainedDocs: { type: 'integer' },
    pending: { type: 'object', properties: { version: { type: 'integer' }, jobId: { type: 'string' }, embedding: EmbeddingRecord } },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
  },
} as const

const stringList = { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 256 } }
export const AccessSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Who may read the document under the shipped read policy: listed users, members of listed groups, everyone when public (project admins always).',
  properties: { users: stringList, groups: stringList, public: { type: 'boolean' } },
} as const
export const MetadataSchema = {
  type: 'object',
  maxProperties: 64,
  propertyNames: { pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$' },
  additionalProperties: { anyOf: [{ type: 'string', maxLength: 512 }, { type: 'number' }, { type: 'boolean' }] },
} as const

export const DocumentRecord = {
  type: 'object',
  required: ['id', 'kbId', 'contentHash', 'status', 'metadata', 'access', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    kbId: { type: 'string' },
    title: { type: 'string' },
    contentHash: { type: 'string' },
    status: { type: 'string', enum: ['processing', 'ready', 'failed'] },
    metadata: { type: 'object', additionalProperties: true },
    access: { type: 'object', additionalProperties: true },
    characters: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const

export const JobRecord = {
  type: 'object',
  required: ['id', 'kbId', 'documentId', 'state', 'progress', 'attempts', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['ingest', 'reindex'] },
    kbId: { type: 'string' },
    documentId: { type: 'string' },
    state: { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
    progress: {
      type: 'object',
      required: ['percent', 'chunksDone', 'chunksTotal'],
      properties: { percent: { type: 'integer' }, chunksDone: { type: 'integer' }, chunksTotal: { type: 'integer' } },
    },
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
    attempts: { type: 'integer' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
} as const

export const HitRecord = {
  type: 'object',
  required: ['documentId', 'chunkId', 'index', 'text', 'start', 'end', 'headingPath', 'score', 'metadata', 'ranks'],
  properties: {
    documentId: { type: 'string' },
    chunkId: { type: 'string' },
    index: { type: 'integer' },
    text: { type: 'string' },
    start: { type: 'integer' },
    end: { type: 'integer' },
    headingPath: { type: 'array', items: { type: 'string' } },
    score: { type: 'number' },
    title: { type: 'string' },
    metadata: { type: 'object', additionalProperties: true },
    ranks: { type: 'object', properties: { vector: { type: 'integer' }, keyword: { type: 'integer' } } },
  },
} as const

export const CitationRecord = {
  type: 'object',
  required: ['documentId', 'chunkId', 'start', 'end', 'quote'],
  properties: { documentId: { type: 'string' }, chunkId: { type: 'string' }, start: { type: 'integer' }, end: { type: 'integer' }, quote: { type: 'string' } },
} as const
