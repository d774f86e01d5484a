/** parseDocument: one entry point for the four formats, each in its own file. */
import type { ConfigFormat } from '../model.ts'
import { assertWellFormed, FormatError, stripBom } from './errors.ts'
import { flatten } from './flatten.ts'
import { parseJson } from './json.ts'
import { parseProperties } from './properties.ts'
import { DEFAULT_LIMITS, type FormatLimits, type ParsedDocument } from './types.ts'
import { parseYaml } from './yaml.ts'

/**
 * Parses and checks a namespace document; throws a FormatError (with line and column) for one that
 * is malformed or exceeds `limits`. A leading byte order mark is ignored (except in text, which is
 * kept byte for byte), and locations count from after it.
 */
export function parseDocument(format: ConfigFormat, content: string, limits: Partial<FormatLimits> = {}): ParsedDocument {
  const l: FormatLimits = { ...DEFAULT_LIMITS, ...limits }
  if (typeof content !== 'string') throw new FormatError(format, 'unsupported', 'The document must be text')
  assertWellFormed(format, content)
  switch (format) {
    case 'text':
      return { format, value: content, entries: Object.assign(Object.create(null), { content }), warnings: [] }
    case 'properties': {
      const { value, warnings } = parseProperties(stripBom(content), l)
      return { format, value, entries: value, warnings }
    }
    case 'json': {
      const { value, numbers } = parseJson(stripBom(content), l)
      const warnings: ParsedDocument['warnings'] = []
      return { format, value, entries: flatten(format, value, l, numbers, warnings), warnings }
    }
    case 'yaml': {
      const { value, numbers, warnings } = parseYaml(stripBom(content), l)
      return { format, value, entries: flatten(format, value, l, numbers, warnings), warnings }
    }
    default:
      throw new FormatError(format, 'unsupported', `Unknown format ${JSON.stringify(format)}`)
  }
}
