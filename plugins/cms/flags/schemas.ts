/** JSON schemas of the OFREP routes (they feed the OpenAPI document; the shapes are OFREP's). */
import { ErrorSchema } from '../../../src/contracts/schemas.ts'

const REASONS = ['STATIC', 'TARGETING_MATCH', 'SPLIT', 'DEFAULT', 'DISABLED', 'ERROR']
const ERROR_CODES = ['FLAG_NOT_FOUND', 'PARSE_ERROR', 'TARGETING_KEY_MISSING', 'INVALID_CONTEXT', 'GENERAL']

export const OfrepRequestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    context: {
      type: 'object',
      description: 'The evaluation context: `targetingKey` (the subject percentage rollouts split on) and any attributes targeting rules read.',
      properties: { targetingKey: { type: 'string' } },
    },
  },
} as const

const metadata = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, description: 'The flag set\'s and the flag\'s metadata.' } as const

const success = {
  key: { type: 'string' },
  value: { description: 'The variant\'s value: a boolean, string, number or object, the flag\'s type.' },
  reason: { type: 'string', enum: REASONS },
  variant: { type: 'string' },
  metadata,
} as const

const failure = {
  errorCode: { type: 'string', enum: ERROR_CODES, description: 'OFREP\'s error code (what OpenFeature providers switch on).' },
  errorDetails: { type: 'string' },
} as const

export const OfrepSuccessSchema = { type: 'object', required: ['key', 'value', 'reason', 'variant'], properties: success } as const

export const OfrepBulkSchema = {
  type: 'object',
  required: ['flags'],
  properties: {
    flags: {
      type: 'array',
      description: 'Every flag of the environment: an evaluation, or for a flag that failed `{ key, reason: "ERROR", errorCode, errorDetails }`.',
      items: { type: 'object', required: ['key', 'reason'], properties: { ...success, ...failure } },
    },
  },
} as const

/** Dyad's error body with OFREP's fields: `key` (single-flag route), `errorCode`, `errorDetails`. */
export const OfrepErrorSchema = {
  type: 'object',
  description: 'A Dyad error (`code`, `requestId`, ...) that also carries OFREP\'s `errorCode` and `errorDetails` when OFREP defines the failure.',
  required: ErrorSchema.required,
  properties: { ...ErrorSchema.properties, key: { type: 'string' }, ...failure },
} as const
