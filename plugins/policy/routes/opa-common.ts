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
    pretty: { type: 'boolean', description: 'Indented JSON. Like every boolean here, true when present bare or `=true` in any case; any other value is false.' },
    provenance: { type: 'boolean', description: 'Accepted; provenance is not reported yet.' },
    instrument: { type: 'boolean', description: 'Accepted; instrumentation metrics are not reported yet.' },
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
    warning: {
      type: 'object',
      description: "OPA's `api_usage_warning`: a POST whose body has no `input` key (it is evaluated without input).",
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const

/** Paths already split, by their text: a decision path is the same on most requests. Bounded. */
const splitPaths = new Map<string, readonly string[]>()
const MAX_SPLIT_PATHS = 1000

/** `a/b/c` (URL path) -> segments; empty for the root. Rejects empty segments like `a//b`. */
export function pathSegments(wildcard: string | undefined): string[] {
  if (!wildcard) return []
  const known = splitPaths.get(wildcard)
  if (known) return [...known]
  const segs = splitPath(wildcard)
  if (splitPaths.size >= MAX_SPLIT_PATHS) splitPaths.clear()
  splitPaths.set(wildcard, segs)
  return [...segs]
}

function splitPath(wildcard: string): string[] {
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

/** OPA's boolean query parameters on the Data and Query APIs. */
const OPA_BOOLEAN_PARAMS = ['pretty', 'metrics', 'provenance', 'instrument', 'strict-builtin-errors'] as const

/**
 * OPA reads a boolean query parameter as true when it is present without a value (`?pretty`) or
 * when some value of it is `true` in any case (`?metrics=TRUE`); present with any other value, or
 * absent, it is false, never an error. A preValidation hook: the values become booleans before the
 * schema (which documents them as booleans) checks them.
 */
export async function opaBooleanParams(req: { query: unknown }): Promise<void> {
  const q = req.query as Record<string, unknown>
  for (const name of OPA_BOOLEAN_PARAMS) {
    const raw = q[name]
    if (raw === undefined || typeof raw === 'boolean') continue
    const values = Array.isArray(raw) ? raw : [raw]
    q[name] = (values.length === 1 && values[0] === '') || values.some((v) => typeof v === 'string' && v.toLowerCase() === 'true')
  }
}

/**
 * JSON text indented by two spaces, as OPA writes `?pretty` responses (Go's MarshalIndent: empty
 * objects and arrays stay `{}` and `[]`). Works on the text, so numbers keep every digit.
 */
export function indentJson(text: string): string {
  let out = ''
  let depth = 0
  let inString = false
  const newline = () => '\n' + '  '.repeat(depth)
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      out += c
      if (c === '\\') out += text[++i]
      else if (c === '"') inString = false
      continue
    }
    switch (c) {
      case '"':
        inString = true
        out += c
        break
      case '{':
      case '[': {
        const close = c === '{' ? '}' : ']'
        if (text[i + 1] === close) {
          out += c + close
          i++
        } else {
          depth++
          out += c + newline()
        }
        break
      }
      case '}':
      case ']':
        depth--
        out += newline() + c
        break
      case ',':
        out += ',' + newline()
        break
      case ':':
        out += ': '
        break
      case ' ':
      case '\n':
      case '\t':
      case '\r':
        break
      default:
        out += c
    }
  }
  return out
}
