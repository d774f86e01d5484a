/**
 * What a namespace document must be before it becomes a draft: parseable in its format, valid
 * against the namespace's JSON Schema, and for the `flags` namespace a valid flag set. Errors carry
 * the exact location (line/column, or a JSON pointer for schema violations).
 */
import { parseFlagDefinitions } from './flags/index.ts'
import { checkSchema, FormatError, parseDocument, validateSchema } from './formats/index.ts'
import { CmsErrors } from './errors.ts'
import type { ConfigFormat, NamespaceRef } from './model.ts'
import type { NamespaceRecord } from './store.ts'

/** The namespace OFREP evaluates flags from (json or yaml, flagd's flag definition format). */
export const FLAGS_NAMESPACE = 'flags'

function located(err: unknown): never {
  if (err instanceof FormatError) {
    const where = err.pointer !== undefined ? ` at ${err.pointer || '/'}` : err.line ? ` at line ${err.line}, column ${err.column}` : ''
    throw CmsErrors.invalidDocument(`${err.message}${where}`, { format: err.format, line: err.line, column: err.column, pointer: err.pointer })
  }
  throw err
}

export const checkDocument = {
  schema(format: ConfigFormat, schema: object) {
    if (format === 'text') throw CmsErrors.invalidSchema('a text namespace cannot have a JSON Schema')
    try {
      checkSchema(schema)
    } catch (err) {
      throw CmsErrors.invalidSchema(err instanceof Error ? err.message : String(err))
    }
  },

  /** Parses and validates; returns the parsed document. */
  content(ref: NamespaceRef, ns: NamespaceRecord, content: string) {
    let parsed
    try {
      parsed = parseDocument(ns.format, content)
      if (ns.schema) validateSchema(ns.schema, ns.format === 'properties' ? parsed.entries : parsed.value)
    } catch (err) {
      located(err)
    }
    if (ref.namespace === FLAGS_NAMESPACE && (ns.format === 'json' || ns.format === 'yaml')) {
      try {
        parseFlagDefinitions(parsed.value)
      } catch (err) {
        const e = err as Error & { details?: { pointer?: string } }
        throw CmsErrors.invalidDocument(`invalid flag definitions: ${e.message}`, { pointer: e.details?.pointer })
      }
    }
    return parsed
  },
}
