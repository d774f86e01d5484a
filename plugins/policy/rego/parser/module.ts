/**
 * Module parser: package, imports and rules (Rego v1 syntax, OPA 1.x). Also attaches
 * `# METADATA` comment blocks to the package or rule that follows them.
 */
import YAML from 'yaml'
import type { ElseClause, Expr, ImportAst, ModuleAst, RuleAst, Term } from '../ast.ts'
import { RegoError } from '../errors.ts'
import { tokenize, type Comment } from '../lexer.ts'
import { str } from '../value.ts'
import { Stream } from './stream.ts'
import { parseArgs, parseBody, parseLiteral, parseTerm } from './terms.ts'

export function parseModule(file: string, src: string): ModuleAst {
  const { tokens, comments } = tokenize(src, file)
  const s = new Stream(tokens, file)
  return s.guard(() => parseStatements(s, comments, file))
}

function parseStatements(s: Stream, comments: Comment[], file: string): ModuleAst {
  const blocks = metadataBlocks(comments, file)
  const takeAnnotations = (row: number): Record<string, unknown> | undefined => {
    // A block annotates the first statement that starts after it.
    const i = blocks.findIndex((b) => b.endRow < row)
    if (i < 0) return undefined
    const [b] = blocks.splice(i, 1)
    return b.data
  }
  if (!s.isId('package')) s.fail('expected package')
  const pkgTok = s.next()
  const pkgRef = parseTerm(s, { noIn: true }, 5)
  const pkg = refNames(pkgRef, s, 'package')
  const mod: ModuleAst = { file, pkg, pkgLoc: s.loc(pkgTok), imports: [], rules: [], annotations: [] }
  const pkgAnn = takeAnnotations(pkgTok.row)
  if (pkgAnn) mod.annotations.push({ scope: 'package', ...pkgAnn })
  while (s.peek().k !== 'eof') {
    if (s.isId('import') && !(s.isP('.', 1) && !s.peek(1).ws)) {
      mod.imports.push(parseImport(s))
      continue
    }
    const t = s.peek()
    const rule = parseRule(s)
    const ann = takeAnnotations(t.row)
    if (ann) {
      const scope = (ann.scope as string | undefined) ?? 'rule'
      if (scope === 'package' || scope === 'subpackages') mod.annotations.push({ ...ann, scope })
      else rule.annotations = { ...ann, scope }
    }
    mod.rules.push(rule)
  }
  return mod
}

function parseImport(s: Stream): ImportAst {
  const t = s.next()
  const path = parseTerm(s, { noIn: true }, 5)
  let alias: string | undefined
  if (s.isId('as') && !s.peek().nl) {
    s.next()
    const a = s.next()
    if (a.k !== 'ident') s.fail('expected alias name', a)
    alias = a.v
  }
  return { path, alias, loc: s.loc(t) }
}

function refNames(term: Term, s: Stream, what: string): string[] {
  if (term.t === 'var') return [term.name]
  if (term.t === 'ref' && term.head.t === 'var') {
    return [term.head.name, ...term.path.map((p) => (p.t === 'scalar' && p.v.type === 'string' ? p.v.value : s.fail(`invalid ${what} path`)))]
  }
  return s.fail(`invalid ${what} path`)
}

function parseRule(s: Stream): RuleAst {
  const start = s.peek()
  const loc = s.loc(start)
  let isDefault = false
  if (s.isId('default') && s.peek(1).k === 'ident' && !s.peek(1).nl) {
    s.next()
    isDefault = true
  }
  if (s.peek().k !== 'ident') s.fail('expected rule head')
  const head = parseHeadRef(s)
  let ref: Term[]
  let args: Term[] | undefined
  if (head.t === 'var') ref = [head]
  else if (head.t === 'ref' && head.head.t === 'var') ref = [head.head, ...head.path]
  else if (head.t === 'call') {
    ref = head.name.split('.').map((n, i) => (i === 0 ? { t: 'var', name: n, loc: head.loc } : { t: 'scalar', v: str(n), loc: head.loc }))
    args = head.args
  } else return s.fail('invalid rule head', start)
  const rule: RuleAst = { ref, kind: args ? 'func' : 'complete', args, assign: false, body: [], elses: [], isDefault, loc }
  if (s.isId('contains') && !s.peek().nl) {
    s.next()
    rule.kind = 'set'
    rule.key = parseTerm(s)
  } else if ((s.isP(':=') || s.isP('=')) && !s.peek().nl) {
    rule.assign = s.next().v === ':='
    rule.value = parseTerm(s)
  }
  if (isDefault) {
    if (!rule.value) s.fail('default rule must have a value')
    return rule
  }
  rule.body = parseRuleBody(s) ?? []
  while (s.isId('else') && !(s.isP('.', 1) && !s.peek(1).ws)) {
    const et = s.next()
    const clause: ElseClause = { body: [], loc: s.loc(et) }
    if (s.isP(':=') || s.isP('=')) {
      s.next()
      clause.value = parseTerm(s)
    }
    clause.body = parseRuleBody(s) ?? []
    rule.elses.push(clause)
  }
  return rule
}

/** `name(.key | [term])*` and an optional `(args)`; any identifier may name a rule. */
function parseHeadRef(s: Stream): Term {
  const id = s.next()
  let term: Term = { t: 'var', name: id.v, loc: s.loc(id) }
  const path: Term[] = []
  for (;;) {
    const t = s.peek()
    if (t.ws) break
    if (t.k === 'punct' && t.v === '.' && s.peek(1).k === 'ident') {
      s.next()
      const k = s.next()
      path.push({ t: 'scalar', v: str(k.v), loc: s.loc(k) })
    } else if (t.k === 'punct' && t.v === '[') {
      s.next()
      path.push(parseTerm(s))
      s.expectP(']')
    } else break
    // The rule tree gets one level per head segment, and the compiler walks it recursively.
    s.enter(t)
  }
  s.leave(path.length)
  if (path.length) term = { t: 'ref', head: term, path, loc: term.loc }
  if (s.isP('(') && !s.peek().ws) {
    s.next()
    const args = parseArgs(s, ')')
    const names = [id.v, ...path.map((p) => (p.t === 'scalar' && p.v.type === 'string' ? p.v.value : s.fail('invalid function name')))]
    return { t: 'call', name: names.join('.'), args, loc: term.loc }
  }
  return term
}

/** `if { ... }`, `if literal`, or a v0-style `{ ... }`; undefined when the rule has no body. */
function parseRuleBody(s: Stream): Expr[] | undefined {
  if (s.isId('if')) {
    s.next()
    if (s.eatP('{')) return parseBody(s, '}')
    return [parseLiteral(s)]
  }
  if (s.isP('{') && !s.peek().nl) {
    // Rego v1 (OPA 1.x) rejects v0-style bodies; silently accepting `p[x] { ... }` would also
    // change its meaning (a set in v0, an object in v1).
    throw new RegoError('rego_parse_error', '`if` keyword is required before rule body', s.loc())
  }
  return undefined
}

interface Block { endRow: number; data: Record<string, unknown> }

/** Groups consecutive comment lines starting with `# METADATA` and parses the YAML that follows. */
function metadataBlocks(comments: Comment[], file: string): Block[] {
  const out: Block[] = []
  for (let i = 0; i < comments.length; i++) {
    if (comments[i].text.trim() !== 'METADATA') continue
    const lines: string[] = []
    let row = comments[i].row
    let j = i + 1
    while (j < comments.length && comments[j].row === row + 1) {
      lines.push(comments[j].text.replace(/^ /, ''))
      row = comments[j].row
      j++
    }
    try {
      const data = (YAML.parse(lines.join('\n')) ?? {}) as Record<string, unknown>
      out.push({ endRow: row, data })
    } catch (e) {
      throw new RegoError('rego_parse_error', `invalid METADATA block: ${(e as Error).message}`, { file, row: comments[i].row, col: 1 })
    }
    i = j - 1
  }
  return out
}

/** Parses an ad-hoc query: literals separated by `;` or newlines. */
export function parseQuery(src: string, file = 'query'): Expr[] {
  const { tokens } = tokenize(src, file)
  const s = new Stream(tokens, file)
  return s.guard(() => parseQueryBody(s))
}

function parseQueryBody(s: Stream): Expr[] {
  const body: Expr[] = []
  for (;;) {
    while (s.eatP(';'));
    if (s.peek().k === 'eof') return body
    body.push(parseLiteral(s))
    const t = s.peek()
    if (!(t.nl || t.k === 'eof' || (t.k === 'punct' && t.v === ';'))) s.fail('expected end of expression', t)
  }
}
