/** Pieces shared by the OPA-compatible routes. */
import { IdSchema } from '../../../src/contracts/schemas.ts'
import { PolicyErrors } from '../errors.ts'

export const tags = ['policy (OPA API)']
export const OPA_BASE = '/v1/projects/:projectId/opa'
export const projectOnly = { type: 'object', required: ['projectId'], properties: { projectId: IdSchema } } as const
export const projectAndPath = { type: 'object', required: ['projectId', '*'], properties: { projectId: IdSchema, '*': { type: 'string', maxLength: 1000 } } } as const

export const decisionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    metrics: { type: 'boolean' },
    explain: {
      type: 'string',
      enum: ['notes', 'fails', 'full'],
      description: '`notes`: trace/print output. `fails`: Fail trace events with their query lineage. `full`: every trace event (at most 10,000). `debug` is not supported.',
    },
    'strict-builtin-errors': { type: 'boolean' },
    pretty: { type: 'boolean' },
    provenance: { type: 'boolean' },
    instrument: { type: 'boolean' },
    input: { type: 'string', maxLength: 65536, description: 'GET only: the input document as JSON text.' },
  },
} as const

export const decisionResponse = {
  type: 'object',
  properties: {
    result: { description: 'Absent when the document is undefined.' },
    decision_id: { type: 'string' },
    metrics: { type: 'object', additionalProperties: { type: 'integer' } },
    explanation: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const

/** `a/b/c` (URL path) -> segments; empty for the root. Rejects empty segments like `a//b`. */
export function pathSegments(wildcard: string | undefined): string[] {
  if (!wildcard) return []
  let segs: string[]
  try {
    segs = wildcard.replace(/\/+$/, '').split('/').map((s) => decodeURIComponent(s))
  } catch {
    throw PolicyErrors.invalidParameter('malformed percent-encoding in the path')
  }
  if (segs.some((s) => s === '')) throw PolicyErrors.invalidParameter('empty path segment')
  // Control characters cannot be stored (Postgres text refuses NUL) and are never meaningful keys.
  if (segs.some((s) => /[\x00-\x1f]/.test(s))) throw PolicyErrors.invalidParameter('control characters in the path')
  return segs
}
