/**
 * YAML 1.2 (core schema) through the `yaml` package, driven stage by stage so that hostile input
 * is refused early: the lexer and the CST parser are fed one lexeme at a time, and the text is
 * refused as soon as it nests deeper than the limit or shows more values than the key limit (the
 * package's own composer and toJS recurse, and parsing a million keys takes it seconds). Then:
 * one document only, unique keys, string keys, merge keys (`<<`), aliases bounded by
 * `maxAliasCount`, and only JSON-compatible scalars (no `.inf`, `.nan`, `!!binary`).
 */
import { Composer, CST, Lexer, Parser, isAlias, isScalar, stringify, visit, type Document, type Node } from 'yaml'
import { FormatError, LineIndex, type FormatWarning } from './errors.ts'
import { NumberText } from './flatten.ts'
import type { FormatLimits } from './types.ts'

export interface ParsedYaml { value: unknown; numbers: NumberText; warnings: FormatWarning[] }

const COMPOSE_OPTIONS = {
  schema: 'core', merge: true, uniqueKeys: true, stringKeys: true, intAsBigInt: true, prettyErrors: false, strict: true, logLevel: 'error',
} as const

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection'])
/** The lexer's markers for a document, a flow error end and a plain scalar: they take no room in the source. */
const CONTROL = new Set(['\x02', '\x18', '\x1f'])
const VALUE_SCALARS = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'block-scalar-header', 'alias'])

export function parseYaml(text: string, limits: FormatLimits): ParsedYaml {
  let index: LineIndex | undefined
  const locate = (at: number) => (index ??= new LineIndex(text)).locate(at)
  const fail = (at: number, message: string, kind: 'syntax' | 'limit' = 'syntax'): never => {
    throw new FormatError('yaml', kind, message, locate(at))
  }
  const tokens = parseCst(text, limits, fail)
  const docs = [...new Composer(COMPOSE_OPTIONS).compose(tokens, true, text.length)]
  if (docs.length > 1) fail(docs[1].range[0], 'The text holds more than one YAML document (---): a namespace is one document')
  const doc = docs[0]
  const error = doc.errors[0]
  if (error) fail(error.pos[0], error.message)
  checkNodes(doc, fail)
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliasCount })
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e
    fail(firstAlias(doc), `The aliases expand too much (more than ${limits.maxAliasCount} resolutions): refused as a resource exhaustion attack`, 'limit')
  }
  const warnings = doc.warnings.map((w) => ({ message: w.message, ...locate(w.pos[0]) }))
  const numbers = new NumberText()
  return { value: toJsonNumbers(value, numbers), numbers, warnings }
}

/**
 * Refuses as soon as more scalars have followed a `:` than `maxKeys`: each is a distinct flattened
 * entry, so the count never exceeds the real one and never refuses a document flatten accepts.
 * The lexer alone is about four times as fast as lexer + parser, so a large document is counted
 * in a first pass; a small one (fewer than 3 characters a key could not reach the limit) is not.
 * Flow nesting counted here too is a lower bound of the depth parseCst checks exactly.
 */
function prescan(text: string, limits: FormatLimits, fail: (at: number, m: string, k: 'limit') => never): void {
  if (text.length < 3 * limits.maxKeys) return
  let afterColon = false
  let values = 0
  let offset = 0
  let flowDepth = 0
  for (const lexeme of new Lexer().lex(text)) {
    const type = CST.tokenType(lexeme)
    if (type === 'flow-map-start' || type === 'flow-seq-start') {
      // Flow collections only: enough to keep `[[[[...` from being lexed to its end first.
      if (++flowDepth > limits.maxDepth) fail(offset, `The document is nested more than ${limits.maxDepth} levels deep`, 'limit')
    } else if (type === 'flow-map-end' || type === 'flow-seq-end') flowDepth--
    if (type !== 'space') {
      if (afterColon && type !== null && VALUE_SCALARS.has(type) && ++values > limits.maxKeys) {
        fail(offset, `The document has more than ${limits.maxKeys} keys`, 'limit')
      }
      afterColon = type === 'map-value-ind'
    }
    if (!CONTROL.has(lexeme)) offset += lexeme.length
  }
}

/** Lexes and parses to CST tokens, refusing as soon as the parser's stack holds more than `maxDepth` collections. */
function parseCst(text: string, limits: FormatLimits, fail: (at: number, m: string, k: 'limit') => never): CST.Token[] {
  prescan(text, limits, fail)
  const parser = new Parser()
  const tokens: CST.Token[] = []
  for (const lexeme of new Lexer().lex(text)) {
    for (const token of parser.next(lexeme)) tokens.push(token)
    if (parser.stack.length > limits.maxDepth) {
      const open = parser.stack.filter((t) => COLLECTIONS.has(t.type))
      if (open.length > limits.maxDepth) fail(open[limits.maxDepth].offset, `The document is nested more than ${limits.maxDepth} levels deep`, 'limit')
    }
  }
  for (const token of parser.end()) tokens.push(token)
  return tokens
}

/** Refuses what toJS would turn into a non-JSON value, at the node that holds it. */
function checkNodes(doc: Document.Parsed, fail: (at: number, m: string) => never): void {
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key') return
      const v: unknown = node.value
      const t = typeof v
      if (t === 'number' && !Number.isFinite(v)) fail(node.range![0], `${node.source} is not a JSON number`)
      if (v !== null && t !== 'string' && t !== 'number' && t !== 'bigint' && t !== 'boolean') {
        fail(node.range![0], `The tag ${node.tag?.replace('tag:yaml.org,2002:', '!!')} makes a value that is not JSON-compatible`)
      }
    },
    Alias(_key, node, path) {
      const target = node.resolve(doc)
      if (!target) fail(node.range![0], `Unknown alias *${node.source}: its anchor must be defined before it`)
      if (path.includes(target as Node)) fail(node.range![0], `The alias *${node.source} refers to a node that contains it`)
    },
  })
}

function firstAlias(doc: Document.Parsed): number {
  let at = 0
  visit(doc, { Alias(_k, node) { at = node.range![0]; return visit.BREAK } })
  return at
}

/**
 * intAsBigInt keeps integers past 2^53 exact: they become numbers in the value, and their exact
 * digits are recorded for the entries. Iterative, and each object once (aliases share objects).
 */
function toJsonNumbers(root: unknown, numbers: NumberText): unknown {
  if (typeof root === 'bigint') return bigToNumber(root, undefined, '', numbers)
  const seen = new Set<object>()
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object' || seen.has(v)) continue
    seen.add(v)
    const obj = v as Record<string, unknown>
    for (const k of Object.keys(obj)) {
      const child = obj[k]
      if (typeof child === 'bigint') obj[k] = bigToNumber(child, obj, k, numbers)
      else if (child !== null && typeof child === 'object') stack.push(child)
    }
  }
  return root
}

function bigToNumber(b: bigint, holder: object | undefined, key: string, numbers: NumberText): number {
  const n = Number(b)
  if (String(n) !== String(b)) numbers.set(holder, key, String(b))
  return n
}

/** YAML 1.1 output rules, so that YAML 1.1 readers (SnakeYAML in Spring) do not take `yes` or `on` for booleans. */
export function serializeYaml(value: unknown): string {
  return stringify(value, { version: '1.1', aliasDuplicateObjects: false, lineWidth: 0 })
}
