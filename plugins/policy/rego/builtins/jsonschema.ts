/**
 * json.verify_schema / json.match_schema on Ajv (draft-07 by default, draft-04 when the schema
 * says so). Results keep OPA's shapes: [ok, error-or-null] and [ok, [{error, type, field, desc}]].
 */
import { createRequire } from 'node:module'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { parsePointer } from '../../json-pointer.ts'
import { arr, bool, NULL, obj, str as strV, toJs, type Value } from '../value.ts'
import { builtinError, def, oneOf, operandError } from './args.ts'
import type { BuiltinDef } from './contract.ts'
import { parseJson } from './json-parse.ts'

// Ajv ships CommonJS; createRequire keeps its constructor types without ESM interop guesswork.
const require = createRequire(import.meta.url)
const Ajv = require('ajv').default as typeof import('ajv').default
const Ajv04 = require('ajv-draft-04').default as typeof import('ajv').default
const addFormats = require('ajv-formats').default as (a: InstanceType<typeof Ajv>) => void

const PRIMITIVES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string']

function makeAjv(draft04: boolean): InstanceType<typeof Ajv> {
  const a = draft04 ? new Ajv04({ strict: false, allErrors: true, verbose: true }) : new Ajv({ strict: false, allErrors: true, verbose: true })
  addFormats(a)
  return a
}
const ajv7 = makeAjv(false)
const ajv4 = makeAjv(true)

function schemaJs(name: string, v: Value, pos: number): unknown {
  if (v.type === 'string') {
    try {
      return toJs(parseJson(v.value))
    } catch (e) {
      throw builtinError(name, `operand ${pos}: invalid JSON: ${(e as Error).message}`)
    }
  }
  if (v.type === 'object' || v.type === 'boolean') return toJs(v)
  throw operandError(name, pos, oneOf(['string', 'object', 'boolean']), v)
}

/** gojsonschema's wording for the most common schema mistake: an unknown primitive type. */
function badType(schema: unknown): string | undefined {
  const visit = (s: unknown): string | undefined => {
    if (!s || typeof s !== 'object') return undefined
    const t = (s as Record<string, unknown>).type
    for (const x of Array.isArray(t) ? t : t === undefined ? [] : [t]) {
      if (typeof x === 'string' && !PRIMITIVES.includes(x)) return `has a primitive type that is NOT VALID -- given: /${x}/ Expected valid values are:[${PRIMITIVES.join(' ')}]`
    }
    for (const v of Object.values(s as Record<string, unknown>)) {
      const r = visit(v)
      if (r) return r
    }
    return undefined
  }
  return visit(schema)
}

function compile(schema: unknown): ValidateFunction {
  const bad = badType(schema)
  if (bad) throw new Error(`jsonschema: ${bad}`)
  const draft04 = typeof schema === 'object' && schema !== null && String((schema as Record<string, unknown>).$schema ?? '').includes('draft-04')
  try {
    return (draft04 ? ajv4 : ajv7).compile(schema as object)
  } catch (e) {
    throw new Error(`jsonschema: ${(e as Error).message}`, { cause: e })
  }
}

/** gojsonschema reports the instance location as "a.b" ("(root)" at the top), for required too. */
function field(e: ErrorObject): string {
  const path = parsePointer(e.instancePath) ?? []
  return path.length === 0 ? '(root)' : path.join('.')
}

const jsType = (x: unknown): string =>
  x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x === 'number' ? (Number.isInteger(x) ? 'integer' : 'number') : typeof x

/** Ajv keyword -> gojsonschema's error type and description. */
function describe(e: ErrorObject): [string, string] {
  const p = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'type': return ['invalid_type', `Invalid type. Expected: ${String(p.type).replace(/,/g, ', ')}, given: ${jsType(e.data)}`]
    case 'required': return ['required', `${p.missingProperty} is required`]
    case 'additionalProperties': return ['additional_property_not_allowed', `Additional property ${p.additionalProperty} is not allowed`]
    case 'enum': return ['enum', `${JSON.stringify(e.data)} must be one of the following: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`]
    case 'const': return ['const', `${JSON.stringify(e.data)} does not match: ${JSON.stringify(p.allowedValue)}`]
    case 'minimum': return ['number_gte', `Must be greater than or equal to ${p.limit}`]
    case 'maximum': return ['number_lte', `Must be less than or equal to ${p.limit}`]
    case 'exclusiveMinimum': return ['number_gt', `Must be greater than ${p.limit}`]
    case 'exclusiveMaximum': return ['number_lt', `Must be less than ${p.limit}`]
    case 'multipleOf': return ['multiple_of', `Must be a multiple of ${p.multipleOf}`]
    case 'minLength': return ['string_gte', `String length must be greater than or equal to ${p.limit}`]
    case 'maxLength': return ['string_lte', `String length must be less than or equal to ${p.limit}`]
    case 'pattern': return ['pattern', `Does not match pattern '${p.pattern}'`]
    case 'format': return ['format', `Does not match format '${p.format}'`]
    case 'minItems': return ['array_min_items', `Array must have at least ${p.limit} items`]
    case 'maxItems': return ['array_max_items', `Array must have at most ${p.limit} items`]
    case 'uniqueItems': return ['unique', `array items[${p.j},${p.i}] must be unique`]
    case 'minProperties': return ['array_min_properties', `Must have at least ${p.limit} properties`]
    case 'maxProperties': return ['array_max_properties', `Must have at most ${p.limit} properties`]
    case 'anyOf': return ['number_any_of', 'Must validate at least one schema (anyOf)']
    case 'oneOf': return ['number_one_of', 'Must validate one and only one schema (oneOf)']
    case 'not': return ['number_not', 'Must not validate the schema (not)']
    case 'if': return [`condition_${p.failingKeyword}`, `Must validate "${p.failingKeyword}" as "if" was valid`]
    default: return [e.keyword, (e.message ?? e.keyword).replace(/^must /, 'Must ')]
  }
}

/** Branch failures under anyOf/oneOf/not are summarised by that keyword's own error, as gojsonschema does. */
const summarised = (e: ErrorObject): boolean => /\/(anyOf|oneOf|not)\/|\/(then|else)\//.test(e.schemaPath)

export const JSONSCHEMA_BUILTINS: BuiltinDef[] = [
  def('json.verify_schema', 1, ([s]) => {
    try {
      compile(schemaJs('json.verify_schema', s, 1))
      return arr([bool(true), NULL])
    } catch (e) {
      return arr([bool(false), strV((e as Error).message)])
    }
  }),
  def('json.match_schema', 2, ([d, s]) => {
    const doc = d.type === 'string' ? schemaJs('json.match_schema', d, 1) : toJs(d)
    let validate: ValidateFunction
    try {
      validate = compile(schemaJs('json.match_schema', s, 2))
    } catch (e) {
      throw builtinError('json.match_schema', (e as Error).message)
    }
    if (validate(doc)) return arr([bool(true), arr([])])
    const errors = (validate.errors ?? []).filter((e) => !summarised(e)).map((e) => {
      const f = field(e)
      const [type, desc] = describe(e)
      return obj([
        [strV('error'), strV(`${f}: ${desc}`)], [strV('type'), strV(type)],
        [strV('field'), strV(f)], [strV('desc'), strV(desc)],
      ])
    })
    return arr([bool(false), arr(errors)])
  }),
]
