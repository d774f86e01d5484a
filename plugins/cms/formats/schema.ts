/**
 * JSON Schema for namespaces: draft 2020-12 (the default, and `$schema`
 * https://json-schema.org/draft/2020-12/schema) and draft-07 (http://json-schema.org/draft-07/schema).
 *
 * - Compiled once per schema text, in a small LRU: publishing validates against the same schema
 *   again and again, and compiling costs milliseconds. Each schema is removed from ajv right after
 *   compiling, so ajv's own caches do not grow with every schema seen and two projects may use
 *   the same `$id`.
 * - `pattern` and `patternProperties` run on RE2 (re2js), linear in the text: a schema is written by
 *   a project's admins, but it runs in every process on every publish, so a catastrophic regular
 *   expression must not stall the event loop. RE2 lacks lookaround and backreferences; a schema
 *   using them is refused by checkSchema.
 * - No remote `$ref` is fetched (no I/O here): an unresolvable reference refuses the schema.
 * - Only own properties count (`required: ["constructor"]` is not met by the prototype).
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsImport from 'ajv-formats'
import { RE2JS } from 're2js'
import { jsonDepth } from '../../../src/shared/json-depth.ts'
import type { ConfigFormat } from '../model.ts'
import { FormatError } from './errors.ts'

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

const DRAFT_07 = 'http://json-schema.org/draft-07/schema'
const DRAFT_2020 = 'https://json-schema.org/draft/2020-12/schema'
const CACHE_SIZE = 64
/** Deeper schemas are refused before ajv, whose compiler recurses. */
export const MAX_SCHEMA_DEPTH = 64

function re2Engine(pattern: string, flags: string) {
  const re = RE2JS.compile(pattern)
  // ajv caches compiled patterns in its scope under toString(): it must be unique per pattern.
  return { test: (s: string) => re.test(s), toString: () => `/${pattern}/${flags}` }
}
re2Engine.code = 're2js'

const options: Options = {
  strict: false, allErrors: false, ownProperties: true, validateFormats: true, code: { regExp: re2Engine },
}
let engines: { draft07: Ajv; draft2020: Ajv } | undefined
const compiled = new Map<string, ValidateFunction>()

function engineFor(schema: AnySchemaObject): Ajv {
  engines ??= { draft07: addFormats(new Ajv(options)), draft2020: addFormats(new Ajv2020(options) as unknown as Ajv) }
  const declared = schema.$schema
  if (declared === undefined) return engines.draft2020
  const uri = typeof declared === 'string' ? declared.replace(/#$/, '') : ''
  if (uri === DRAFT_2020) return engines.draft2020
  if (uri === DRAFT_07) return engines.draft07
  throw new FormatError('json', 'schema', `Unsupported $schema ${JSON.stringify(declared)}: use ${DRAFT_2020} or ${DRAFT_07}`, { pointer: '/$schema' })
}

function compile(schema: unknown): ValidateFunction {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
    throw new FormatError('json', 'schema', 'A JSON Schema must be an object', { pointer: '' })
  }
  if (jsonDepth(schema, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH) {
    throw new FormatError('json', 'limit', `The schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep`, { pointer: '' })
  }
  const text = JSON.stringify(schema)
  const hit = compiled.get(text)
  if (hit) {
    compiled.delete(text)
    compiled.set(text, hit)
    return hit
  }
  const ajv = engineFor(schema as AnySchemaObject)
  if (!ajv.validateSchema(schema)) {
    const e = ajv.errors![0]
    throw new FormatError('json', 'schema', `The schema is invalid: ${e.message}`, { pointer: e.instancePath })
  }
  let validate: ValidateFunction
  try {
    validate = ajv.compile(schema)
  } catch (e) {
    throw new FormatError('json', 'schema', `The schema does not compile: ${(e as Error).message}`, { pointer: '' })
  } finally {
    ajv.removeSchema(schema as AnySchemaObject)
  }
  if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!)
  compiled.set(text, validate)
  return validate
}

/** Refuses a schema that is not a valid draft 2020-12 / draft-07 schema, or that cannot apply to `format`. */
export function checkSchema(schema: unknown, format?: ConfigFormat): void {
  if (format === 'text') throw new FormatError('text', 'unsupported', 'A text namespace cannot have a JSON Schema: its content is not parsed')
  inFormat(format, () => compile(schema))
}

/** compile() knows no format: its errors are re-thrown in the namespace's. */
function inFormat<T>(format: ConfigFormat | undefined, fn: () => T): T {
  try {
    return fn()
  } catch (e) {
    if (e instanceof FormatError && format && e.format !== format) throw new FormatError(format, e.kind, e.message, e)
    throw e
  }
}

/**
 * Validates a value (for properties: the key -> string map) and throws a `schema` FormatError
 * whose `pointer` is where the first violation is (the offending property for
 * additionalProperties, the object for a missing required property) and whose message says what
 * is wrong there (`must be integer`), without repeating the pointer.
 */
export function validateSchema(schema: object, value: unknown, format: ConfigFormat = 'json'): void {
  if (format === 'text') throw new FormatError('text', 'unsupported', 'A text namespace cannot have a JSON Schema: its content is not parsed')
  const validate = inFormat(format, () => compile(schema))
  if (validate(value)) return
  const e = validate.errors![0]
  const pointer = pointerOf(e)
  throw new FormatError(format, 'schema', describe(e), { pointer })
}

function pointerOf(e: ErrorObject): string {
  const extra = e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties'
    ? (e.params.additionalProperty ?? e.params.unevaluatedProperty) as string | undefined
    : undefined
  return extra === undefined ? e.instancePath : `${e.instancePath}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`
}

function describe(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties') return 'is not allowed by the schema'
  if (e.keyword === 'enum') return `${e.message}: ${JSON.stringify(e.params.allowedValues)}`
  if (e.keyword === 'const') return `must be ${JSON.stringify(e.params.allowedValue)}`
  return e.message ?? `fails ${e.keyword}`
}
