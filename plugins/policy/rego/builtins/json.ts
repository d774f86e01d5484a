/** json.* and yaml.* built-ins. */
import YAML from 'yaml'
import { bool, fromJs, str as strV, type Value } from '../value.ts'
import { builtinError, def, objArg, arrArg, str, typeError } from './args.ts'
import type { BuiltinDef } from './contract.ts'
import { goJson } from './go-text.ts'
import { JsonSyntaxError, parseJson } from './json-parse.ts'
import { applyPatch } from './json-patch.ts'
import { filterPaths, parsePaths, removePaths } from './json-paths.ts'
import { toJs } from '../value.ts'

function marshalWithOptions(v: Value, opts: Value): Value {
  const o = objArg('json.marshal_with_options', opts, 2)
  let pretty: boolean | undefined
  let indent: string | undefined
  let prefix: string | undefined
  for (const [k, x] of o.entries.values()) {
    const key = k.type === 'string' ? k.value : ''
    if (key === 'pretty' && x.type === 'boolean') pretty = x.value
    else if (key === 'indent' && x.type === 'string') indent = x.value
    else if (key === 'prefix' && x.type === 'string') prefix = x.value
    else if (key === 'pretty' || key === 'indent' || key === 'prefix') throw typeError('json.marshal_with_options', `operand 2 value for key "${key}" has the wrong type`)
    else throw typeError('json.marshal_with_options', `operand 2 object contained unknown key ${JSON.stringify(key)}`)
  }
  const on = pretty ?? (indent !== undefined || prefix !== undefined)
  if (!on) return strV(goJson(v))
  return strV((prefix ?? '') + goJson(v, indent ?? '\t', prefix ?? ''))
}

function unmarshal(name: string, text: string): Value {
  try {
    return parseJson(text)
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw builtinError(name, e.message)
    throw e
  }
}

/** Translates the yaml package's errors into Go yaml's "yaml: line N: ..." phrasing. */
function yamlError(e: unknown): never {
  const err = e as { message?: string; code?: string; linePos?: Array<{ line: number }> }
  const line = err.linePos?.[0]?.line ?? 1
  const phrase = err.code === 'MISSING_CHAR' ? "did not find expected ',' or ']'" : (err.message ?? String(e)).split('\n')[0]
  throw builtinError('yaml.unmarshal', `yaml: line ${line}: ${phrase}`)
}

function yamlParse(text: string): Value {
  let doc
  try {
    // YAML 1.1 scalars (yes/no booleans) as OPA's go-yaml v2 reads them, but timestamps stay strings.
    doc = YAML.parseDocument(text, {
      version: '1.1', uniqueKeys: false, intAsBigInt: true,
      customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
    })
  } catch (e) {
    yamlError(e)
  }
  if (doc.errors.length > 0) yamlError(doc.errors[0])
  return fromJs(doc.toJS({ maxAliasCount: 1000 }))
}

export const JSON_BUILTINS: BuiltinDef[] = [
  def('json.marshal', 1, ([v]) => strV(goJson(v))),
  def('json.marshal_with_options', 2, ([v, o]) => marshalWithOptions(v, o)),
  def('json.unmarshal', 1, ([s]) => unmarshal('json.unmarshal', str('json.unmarshal', s, 1))),
  def('json.is_valid', 1, ([s]) => {
    if (s.type !== 'string') return bool(false)
    try {
      parseJson(s.value)
      return bool(true)
    } catch {
      return bool(false)
    }
  }),
  def('json.filter', 2, ([o, p]) => filterPaths(objArg('json.filter', o, 1), parsePaths('json.filter', p))),
  def('json.remove', 2, ([o, p]) => removePaths(objArg('json.remove', o, 1), parsePaths('json.remove', p))),
  def('json.patch', 2, ([o, p]) => applyPatch(o, arrArg('json.patch', p, 2).items)),
  def('yaml.marshal', 1, ([v]) => strV(YAML.stringify(toJs(v), { indentSeq: false, lineWidth: 0 }))),
  def('yaml.unmarshal', 1, ([s]) => yamlParse(str('yaml.unmarshal', s, 1))),
  def('yaml.is_valid', 1, ([s]) => {
    if (s.type !== 'string') return bool(false)
    try {
      yamlParse(s.value)
      return bool(true)
    } catch {
      return bool(false)
    }
  }),
]
