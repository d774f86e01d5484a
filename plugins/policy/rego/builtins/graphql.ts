/**
 * graphql.* built-ins on graphql-js. ASTs are returned in OPA's (gqlparser's) JSON shape and
 * error messages are rephrased the way gqlparser words them ("... in GraphQL string at location L:C").
 * AST-object arguments are printed back to GraphQL text and re-parsed.
 */
import { buildASTSchema, type DocumentNode, GraphQLError, Kind, type GraphQLSchema, parse, validate, validateSchema } from 'graphql'
import { arr, bool, fromJs, obj, toJs, type Value } from '../value.ts'
import { builtinError, def, oneOf, operandError } from './args.ts'
import type { BuiltinDef } from './contract.ts'
import { queryDocument, schemaDocument } from './graphql-ast.ts'
import { printQuery, printSchema } from './graphql-print.ts'

const PUNCT = /"([!$&()\[\]{}:=@|]|\.\.\.)"/g

/** graphql-js message -> gqlparser wording. */
function rephrase(e: GraphQLError, text: string): string {
  let msg = e.message.replace(/^Syntax Error: /, '').replace(/\.$/, '')
  const loc = e.locations?.[0]
  let col = loc?.column ?? 0
  if (/^(Unterminated string|Unexpected character|Invalid number|Invalid character|Unexpected single quote)/.test(msg)) msg = 'Unexpected <Invalid>'
  else if (/^Unexpected description/.test(msg) && loc) {
    const line = text.split('\n')[loc.line - 1] ?? ''
    const m = /^"(?:[^"\\]|\\.)*"/.exec(line.slice(loc.column - 1))
    msg = `Unexpected String ${m ? m[0] : '""'}`
    col += 1
  } else {
    msg = msg.replace(PUNCT, '$1').replace(/(^Unexpected |found )string /, '$1String ')
    // gqlparser positions a string token after its opening quote.
    if (/(^Unexpected |found )String /.test(msg)) col += 1
    if (/^Expected Name, found \}$/.test(msg) && loc && precededByBrace(text, loc.line, loc.column)) msg = 'expected at least one definition, found }'
  }
  return loc ? `${msg} in GraphQL string at location ${loc.line}:${col}` : msg
}

function precededByBrace(text: string, line: number, column: number): boolean {
  const lines = text.split('\n')
  let offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 2
  while (offset >= 0 && /\s|,/.test(text[offset])) offset--
  return text[offset] === '{'
}

function fail(name: string, e: unknown, text: string): never {
  if (e instanceof GraphQLError) throw builtinError(name, rephrase(e, text))
  throw builtinError(name, (e as Error).message)
}

function sourceText(name: string, v: Value, pos: number, kind: 'query' | 'schema'): string {
  if (v.type === 'string') return v.value
  if (v.type === 'object') return kind === 'query' ? printQuery(toJs(v)) : printSchema(toJs(v))
  throw operandError(name, pos, oneOf(['string', 'object']), v)
}

function parseDoc(name: string, text: string, kind: 'query' | 'schema'): DocumentNode {
  let doc: DocumentNode
  if (text.trim() === '') return { kind: Kind.DOCUMENT, definitions: [] }
  try {
    doc = parse(text)
  } catch (e) {
    fail(name, e, text)
  }
  const executable = (k: string) => k === 'OperationDefinition' || k === 'FragmentDefinition'
  const wrong = doc.definitions.find((d) => executable(d.kind) !== (kind === 'query'))
  if (wrong) throw builtinError(name, `unexpected ${wrong.kind} in GraphQL ${kind} document`)
  return doc
}

/** Schema problems gqlparser reports; graphql-js's "Query root type must be provided" is not one of them. */
function schemaErrors(doc: DocumentNode): readonly GraphQLError[] {
  try {
    const schema = buildASTSchema(adoptOrphanExtensions(doc))
    return validateSchema(schema).filter((e) => !/root type must be provided/.test(e.message))
  } catch (e) {
    if (e instanceof GraphQLError) return [e]
    return [new GraphQLError((e as Error).message)]
  }
}

/** gqlparser accepts `extend type X` without a `type X`: the first such extension defines X. */
function adoptOrphanExtensions(doc: DocumentNode): DocumentNode {
  const defined = new Set(doc.definitions.filter((d) => d.kind.endsWith('TypeDefinition')).map((d) => (d as { name: { value: string } }).name.value))
  const definitions = doc.definitions.map((d) => {
    if (!d.kind.endsWith('TypeExtension')) return d
    const name = (d as { name: { value: string } }).name.value
    if (defined.has(name)) return d
    defined.add(name)
    return { ...d, kind: d.kind.replace('Extension', 'Definition') } as unknown as typeof d
  })
  return { ...doc, definitions }
}

function schemaFor(doc: DocumentNode): GraphQLSchema {
  return buildASTSchema(adoptOrphanExtensions(doc), { assumeValid: true, assumeValidSDL: true })
}

interface Checked { query: DocumentNode; schema: DocumentNode; queryText: string; errors: readonly GraphQLError[] }

function check(name: string, q: Value, s: Value): Checked {
  const queryText = sourceText(name, q, 1, 'query')
  const schemaText = sourceText(name, s, 2, 'schema')
  const query = parseDoc(name, queryText, 'query')
  const schema = parseDoc(name, schemaText, 'schema')
  const errs = schemaErrors(schema)
  if (errs.length > 0) return { query, schema, queryText, errors: errs }
  let errors: readonly GraphQLError[]
  try {
    errors = validate(schemaFor(schema), query)
  } catch (e) {
    errors = [e instanceof GraphQLError ? e : new GraphQLError((e as Error).message)]
  }
  return { query, schema, queryText, errors }
}

const quiet = <T>(f: () => T, fallback: T): T => {
  try {
    return f()
  } catch {
    return fallback
  }
}

export const GRAPHQL_BUILTINS: BuiltinDef[] = [
  def('graphql.parse_query', 1, ([q]) => fromJs(queryDocument(parseDoc('graphql.parse_query', sourceText('graphql.parse_query', q, 1, 'query'), 'query')))),
  def('graphql.parse_schema', 1, ([s]) => fromJs(schemaDocument(parseDoc('graphql.parse_schema', sourceText('graphql.parse_schema', s, 1, 'schema'), 'schema')))),
  def('graphql.parse', 2, ([q, s]) => {
    const c = check('graphql.parse', q, s)
    if (c.errors.length > 0) fail('graphql.parse', c.errors[0], c.queryText)
    return arr([fromJs(queryDocument(c.query)), fromJs(schemaDocument(c.schema))])
  }),
  def('graphql.parse_and_verify', 2, ([q, s]) => {
    const c = quiet(() => check('graphql.parse_and_verify', q, s), undefined)
    if (!c || c.errors.length > 0) return arr([bool(false), obj([]), obj([])])
    return arr([bool(true), fromJs(queryDocument(c.query)), fromJs(schemaDocument(c.schema))])
  }),
  def('graphql.is_valid', 2, ([q, s]) => bool(quiet(() => check('graphql.is_valid', q, s).errors.length === 0, false))),
  def('graphql.schema_is_valid', 1, ([s]) =>
    bool(quiet(() => schemaErrors(parseDoc('graphql.schema_is_valid', sourceText('graphql.schema_is_valid', s, 1, 'schema'), 'schema')).length === 0, false))),
]
