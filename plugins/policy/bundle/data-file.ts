/**
 * Parsing of data files. OPA accepts data.json and data.yaml (and data.yml); YAML goes through the
 * `yaml` package, whose alias-count limit keeps a "billion laughs" document from expanding unbounded.
 */
import { Parser as YamlCstParser, parse as parseYaml } from 'yaml'
import { isPlainObject } from './data-tree.ts'
import { BundleError } from './errors.ts'

export const DATA_FILE_NAMES = new Set(['data.json', 'data.yaml', 'data.yml'])

export function parseDataFile(path: string, raw: Buffer): unknown {
  const text = raw.toString('utf8').replace(/^\uFEFF/, '')
  if (path.endsWith('.json')) {
    try {
      return JSON.parse(text)
    } catch (err) {
      throw new BundleError('BUNDLE_INVALID_DATA', `${path} is not valid JSON (${(err as Error).message}); fix the file or remove it`)
    }
  }
  const parsed = parseYamlValue(text)
  if (parsed.ok) return parsed.value
  if (parsed.problem === 'depth') throw new BundleError('BUNDLE_INVALID_DATA', `${path} nests collections more than ${MAX_YAML_DEPTH} levels deep; flatten it`)
  if (parsed.problem === 'syntax') throw new BundleError('BUNDLE_INVALID_DATA', `${path} is not valid YAML (${parsed.detail}); fix the file or remove it`)
  throw new BundleError('BUNDLE_INVALID_DATA', `${path}: the value at '/${parsed.detail}' has no JSON equivalent (binary, set, infinity...); use plain strings, numbers, lists and maps`)
}

export type YamlValue = { ok: true; value: unknown } | { ok: false; problem: 'depth' | 'syntax' | 'non-json'; detail: string }

/**
 * The JSON value of a YAML text, or why it has none: nested deeper than MAX_YAML_DEPTH, not YAML,
 * or holding a value JSON cannot (detail: the path to it). For bundle data files and for YAML
 * request bodies of the OPA API.
 */
export function parseYamlValue(text: string): YamlValue {
  if (!yamlDepthWithin(text, MAX_YAML_DEPTH)) return { ok: false, problem: 'depth', detail: String(MAX_YAML_DEPTH) }
  let value: unknown
  try {
    // The core schema keeps timestamps as strings; explicit tags such as !!binary are caught below.
    value = parseYaml(text, { schema: 'core', merge: false })
  } catch (err) {
    return { ok: false, problem: 'syntax', detail: (err as Error).message }
  }
  const bad = nonJsonPath(value, [])
  if (bad !== undefined) return { ok: false, problem: 'non-json', detail: bad.join('/') }
  return { ok: true, value }
}

/**
 * The `yaml` composer recurses once per nesting level. A few kilobytes of `[[[[...` overflow the
 * stack, and on Node 20 a second such document in the same process then aborts it with a fatal
 * "RegExpCompiler Allocation failed" (reproduced with yaml 2.9.1): a two-request denial of service.
 * The CST parser is iterative, so the depth is measured on the CST first, with an explicit stack.
 */
export const MAX_YAML_DEPTH = 100

interface CstNode { type?: string; value?: CstNode; key?: CstNode | null; items?: Array<{ key?: CstNode | null; value?: CstNode }> }

function yamlDepthWithin(text: string, max: number): boolean {
  const stack: Array<[CstNode, number]> = []
  for (const doc of new YamlCstParser().parse(text)) stack.push([doc as CstNode, 0])
  while (stack.length > 0) {
    const [node, parentDepth] = stack.pop()!
    const isCollection = node.type === 'block-map' || node.type === 'block-seq' || node.type === 'flow-collection'
    const depth = isCollection ? parentDepth + 1 : parentDepth
    if (depth > max) return false
    if (node.value) stack.push([node.value, depth])
    for (const item of node.items ?? []) {
      if (item.key) stack.push([item.key, depth])
      if (item.value) stack.push([item.value, depth])
    }
  }
  return true
}

/** The path of the first value JSON cannot represent, or undefined when the whole tree is JSON. */
function nonJsonPath(v: unknown, path: string[]): string[] | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = nonJsonPath(v[i], [...path, String(i)])
      if (bad) return bad
    }
    return undefined
  }
  if (isPlainObject(v)) {
    for (const k of Object.keys(v)) {
      const bad = nonJsonPath(v[k], [...path, k])
      if (bad) return bad
    }
    return undefined
  }
  return path
}
