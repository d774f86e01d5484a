/**
 * Request validation. Bodies are validated strictly: no type coercion ("123" is not a number) and
 * unknown properties are rejected where a schema says `additionalProperties: false`, so a typo in a
 * field name is a 400, not a silently ignored setting. Querystrings, params and headers arrive as
 * text, so they are coerced to the declared types.
 */
import { Ajv, type AnySchema } from 'ajv'
import addFormatsImport from 'ajv-formats'
import type { FastifySchemaCompiler } from 'fastify'

const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv

function makeAjv(coerce: boolean, shared: AnySchema[]) {
  const ajv = new Ajv({ coerceTypes: coerce ? 'array' : false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false })
  addFormats(ajv)
  // OpenAPI keywords that are documentation only.
  ajv.addKeyword({ keyword: 'example' })
  for (const s of shared) ajv.addSchema(s)
  return ajv
}

export function createValidatorCompiler(shared: AnySchema[]): FastifySchemaCompiler<AnySchema> {
  const strict = makeAjv(false, shared)
  const coercing = makeAjv(true, shared)
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema)
}
