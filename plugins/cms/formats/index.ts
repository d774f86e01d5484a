/**
 * The cms domain's four namespace formats (model.ts ConfigFormat): parse and check, validate
 * against a JSON Schema, serialize, diff, and render one format as another. Pure: no Fastify, no
 * I/O, nothing shared between calls but a small cache of compiled schemas.
 *
 * Every document is hostile input until parsed: errors are FormatErrors carrying the exact line and
 * column (1-based; columns in UTF-16 code units) or, for schema violations, a JSON pointer; depth,
 * key count and YAML alias expansion are bounded (FormatLimits, DEFAULT_LIMITS: 64 levels, 50,000
 * keys), so a hostile document is refused quickly instead of overflowing the stack or the heap.
 *
 * ## Entries: the flattened key -> string view
 *
 * Every ParsedDocument has `entries`, what key/value clients (Apollo's configs, OFREP targeting
 * inputs) read and what per-key diffs compare. The convention is Spring Boot's (YamlProcessor):
 *
 * - properties: the keys and values as Properties.load reads them;
 * - json/yaml: object keys joined with `.`, array elements as `[i]`: `{"a":{"b":[{"c":1}]}}` gives
 *   `a.b[0].c` = `1`. A root array gives `[0]`, `[1]`, ...; an object key that starts with `[` is
 *   appended without a dot (`{"a":{"[0]":1}}` gives `a[0]`), as Spring does;
 * - keys are not escaped: `{"a.b":1}` and `{"a":{"b":1}}` both give `a.b`, which is what lets a
 *   Spring-style `logging.level.root: INFO` sit next to nested keys. If two values flatten to one
 *   key, the later in the document wins and a warning says so;
 * - scalars as strings: strings as they are, `true`/`false`, null as `` (empty); numbers as the
 *   source spells them in JSON (`1.0`, `1e3` and integers past 2^53 stay exact), in YAML as
 *   JavaScript prints them except integers past 2^53, kept exact (note `value` holds JavaScript
 *   numbers, so such integers are rounded there);
 * - an empty object or array gives its key with an empty string (Spring does this for empty lists
 *   and drops empty maps; keeping both makes `a: {}` visible to diffs). A null root (an empty
 *   YAML file), `{}` or `[]` gives no entries, a scalar root one entry under the empty key;
 * - text: one entry, `content`, holding the whole text (as Apollo serves non-properties namespaces).
 *
 * YAML is read as YAML 1.2 core schema (`yes`/`on` are strings, `0x1F` is 31) with merge keys;
 * YAML is written with YAML 1.1 quoting, so that SnakeYAML (Spring) reads the same values back.
 */
export type { ConfigFormat } from '../model.ts'
export { FormatError, type FormatErrorKind, type FormatLocation, type FormatWarning } from './errors.ts'
export { flatten, unflatten } from './flatten.ts'
export { parseDocument } from './parse.ts'
export { checkSchema, validateSchema, MAX_SCHEMA_DEPTH } from './schema.ts'
export { serialize, renderAs } from './render.ts'
export { diffDocuments, diffEntries, diffText, MAX_EDIT_LENGTH } from './diff.ts'
export { DEFAULT_LIMITS, type DocumentDiff, type FormatLimits, type KeyChange, type ParsedDocument, type RenderTarget } from './types.ts'

import type { ParsedDocument } from './types.ts'
import { validateSchema } from './schema.ts'

/**
 * Validates a parsed document against its namespace's schema: the value of a json/yaml document,
 * the entries (string values) of a properties one; a text document cannot have a schema.
 */
export function validateDocument(parsed: ParsedDocument, schema: object): void {
  validateSchema(schema, parsed.format === 'properties' ? parsed.entries : parsed.value, parsed.format)
}
