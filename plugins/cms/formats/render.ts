/** Writing documents: serialize a value in a format, and render a parsed document in another one. */
import type { ConfigFormat } from '../model.ts'
import { jsonDepth } from '../../../src/shared/json-depth.ts'
import { FormatError } from './errors.ts'
import { unflatten } from './flatten.ts'
import { serializeJson } from './json.ts'
import { serializeProperties } from './properties.ts'
import { DEFAULT_LIMITS, type ParsedDocument, type RenderTarget } from './types.ts'
import { serializeYaml } from './yaml.ts'

/**
 * The text of `value` in `format`: properties from a string map (escaped as Properties.store
 * does), json with 2-space indentation and a final newline, yaml with YAML 1.1-safe quoting, text
 * from a string. Parsing the result gives the value (and entries) back.
 */
export function serialize(format: ConfigFormat, value: unknown): string {
  switch (format) {
    case 'text':
      if (typeof value !== 'string') throw new FormatError(format, 'unsupported', 'A text document is a string')
      return value
    case 'properties': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new FormatError(format, 'unsupported', 'A properties document is an object of strings')
      }
      const map = value as Record<string, unknown>
      for (const key of Object.keys(map)) {
        if (typeof map[key] !== 'string') throw new FormatError(format, 'unsupported', `The value of ${JSON.stringify(key)} is not a string`)
      }
      return serializeProperties(map as Record<string, string>)
    }
    case 'json':
    case 'yaml':
      // Both stringifiers recurse; values from parseDocument are within this bound already.
      if (jsonDepth(value, DEFAULT_LIMITS.maxDepth) > DEFAULT_LIMITS.maxDepth) {
        throw new FormatError(format, 'limit', `The value is nested more than ${DEFAULT_LIMITS.maxDepth} levels deep`)
      }
      return format === 'json' ? serializeJson(value) : serializeYaml(value)
    default:
      throw new FormatError(format, 'unsupported', `Unknown format ${JSON.stringify(format)}`)
  }
}

/**
 * A parsed document in the representation a client asks for:
 * - `json`: the value of a json/yaml document; the entries (flat key -> string map) of a
 *   properties or text one, as Apollo's `configfiles/json` serves them;
 * - `yaml`: the value of a json/yaml document; for properties and text, the entries nested back
 *   along their dotted keys (Spring Cloud Config's `.yml` view), flattening to the same entries;
 * - `properties`: the entries of any document (Spring Cloud Config's `.properties` view).
 */
export function renderAs(parsed: ParsedDocument, target: RenderTarget): string {
  const structured = parsed.format === 'json' || parsed.format === 'yaml'
  switch (target) {
    case 'json':
      return serialize('json', structured ? parsed.value : parsed.entries)
    case 'yaml':
      return serialize('yaml', structured ? parsed.value : unflatten(parsed.entries))
    case 'properties':
      return serialize('properties', parsed.entries)
    default:
      throw new FormatError(parsed.format, 'unsupported', `Cannot render as ${JSON.stringify(target)}`)
  }
}
