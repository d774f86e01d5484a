/**
 * Term and expression parser. Operator precedence follows OPA (lowest first):
 * `in`, relations (== != < <= > >=), `|`, `&`, `+ -`, `* / %`. A binary operator never
 * starts a new line, so a literal ends at the newline before it.
 */
import type { Expr, ExprBody, Term, With } from '../ast.ts'
import { tokenize } from '../lexer.ts'
import { num, str, TRUE, FALSE, NULL, set as mkSet } from '../value.ts'
import { BODY_LEVELS, Stream } from './stream.ts'

const LEVELS: Array<Record<string, string>> = [
  { in: 'internal.member_2' },
  { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' },
  { '|': 'or' },
  { '&': 'and' },
  { '+': 'plus', '-': 'minus' },
  { '*': 'mul', '/': 'div', '%': 'rem' },
]

export interface TermOpts {
  /** Stop at a top-level `|` (first element of a comprehension). */
  noBar?: boolean
  /** Do not treat `in` as membership (inside `some ... in` heads). */
  noIn?: boolean
}

/**
 * Precedence climbing: operators of LEVELS[level] and tighter, left-associative. One call per
 * operand rather than one per precedence level keeps the parser's stack use per nesting level
 * small (see MAX_NESTING).
 */
export function parseTerm(s: Stream, opts: TermOpts = {}, level = 0): Term {
  let lhs = parsePostfix(s)
  // Each operator puts the terms before it one level deeper (`1 + 2 + 3` is plus(plus(1, 2), 3)).
  let folds = 0
  for (;;) {
    const t = s.peek()
    if (t.nl) break
    const key = t.k === 'punct' || (t.k === 'ident' && t.v === 'in') ? t.v : undefined
    if (key === undefined) break
    const opLevel = operatorLevel(key, level)
    if (opLevel < 0) break
    if (key === 'in' && opts.noIn) break
    if (key === '|' && opts.noBar) break
    s.next()
    s.enter(t)
    folds++
    const rhs = parseTerm(s, opts, opLevel + 1)
    lhs = { t: 'call', name: LEVELS[opLevel][key], args: [lhs, rhs], loc: lhs.loc }
  }
  s.leave(folds)
  return lhs
}

/** The precedence level of operator `key` if it is `min` or tighter, else -1. */
function operatorLevel(key: string, min: number): number {
  for (let l = min; l < LEVELS.length; l++) if (key in LEVELS[l]) return l
  return -1
}

function parsePostfix(s: Stream): Term {
  let term = parsePrimary(s)
  // Every ref segment and call is one level: the evaluator walks a ref recursively.
  let segments = 0
  for (;;) {
    const t = s.peek()
    if (t.ws) break
    const isCall = t.k === 'punct' && t.v === '(' && callName(term) !== undefined
    if (t.k === 'punct' && (t.v === '.' || t.v === '[' || isCall)) {
      s.enter(t)
      segments++
    }
    if (t.k === 'punct' && t.v === '.') {
      s.next()
      const id = s.peek()
      if (id.k !== 'ident' || id.ws) s.fail('expected ident', id)
      s.next()
      term = appendRef(term, { t: 'scalar', v: str(id.v), loc: s.loc(id) })
    } else if (t.k === 'punct' && t.v === '[') {
      s.next()
      const key = parseTerm(s)
      s.expectP(']')
      term = appendRef(term, key)
    } else if (isCall) {
      s.next()
      const args = parseArgs(s, ')')
      const name = callName(term)!
      term = name === 'set' && args.length === 0 ? { t: 'scalar', v: mkSet([]), loc: term.loc } : { t: 'call', name, args, loc: term.loc }
    } else break
  }
  s.leave(segments)
  return term
}

function appendRef(term: Term, key: Term): Term {
  if (term.t === 'ref') return { ...term, path: [...term.path, key] }
  return { t: 'ref', head: term, path: [key], loc: term.loc }
}

/** `a.b.c` written as a var or static ref names a function; anything else cannot be called. */
function callName(term: Term): string | undefined {
  if (term.t === 'var') return term.name
  if (term.t !== 'ref' || term.head.t !== 'var') return undefined
  const parts = [term.head.name]
  for (const p of term.path) {
    if (p.t !== 'scalar' || p.v.type !== 'string') return undefined
    parts.push(p.v.value)
  }
  return parts.join('.')
}

export function parseArgs(s: Stream, close: string): Term[] {
  const args: Term[] = []
  while (!s.isP(close)) {
    args.push(parseTerm(s))
    if (!s.eatP(',')) break
  }
  s.expectP(close)
  return args
}

function parsePrimary(s: Stream): Term {
  const t = s.next()
  const loc = s.loc(t)
  switch (t.k) {
    case 'number':
      return { t: 'scalar', v: num(t.v), loc }
    case 'string':
      return { t: 'scalar', v: str(t.v), loc }
    case 'template':
      return parseTemplate(s, t.parts ?? [], loc)
    case 'ident':
      // Keywords and literals become plain names when a ref continues from them (`false.foo`).
      if (s.isP('.') && !s.peek().ws) return { t: 'var', name: t.v, loc }
      if (t.v === 'true') return { t: 'scalar', v: TRUE, loc }
      if (t.v === 'false') return { t: 'scalar', v: FALSE, loc }
      if (t.v === 'null') return { t: 'scalar', v: NULL, loc }
      if (t.v === '_') return { t: 'var', name: `_$${s.wild.n++}`, loc }
      return { t: 'var', name: t.v, loc }
    case 'punct':
      break
    default:
      s.fail('expected term', t)
  }
  switch (t.v) {
    case '(': {
      s.enter(t)
      let inner = parseTerm(s)
      if (s.eatP(',')) inner = parseMember3(s, inner)
      s.expectP(')')
      s.leave()
      return inner
    }
    case '-': {
      const n = s.peek()
      if (n.k === 'number' && !n.ws) {
        s.next()
        return { t: 'scalar', v: num('-' + n.v), loc }
      }
      s.enter(t)
      const operand = parsePostfix(s)
      s.leave()
      return { t: 'call', name: 'minus', args: [{ t: 'scalar', v: num(0), loc }, operand], loc }
    }
    case '[': {
      s.enter(t)
      const term = parseBracket(s, loc)
      s.leave()
      return term
    }
    case '{': {
      s.enter(t)
      const term = parseBrace(s, loc)
      s.leave()
      return term
    }
  }
  return s.fail('expected term', t)
}

function parseBracket(s: Stream, loc: Term['loc']): Term {
  if (s.eatP(']')) return { t: 'array', items: [], loc }
  const first = parseTerm(s, { noBar: true })
  if (s.eatP('|')) {
    const body = parseBody(s, ']')
    return { t: 'arraycompr', term: first, body, loc }
  }
  const items = [first]
  while (s.eatP(',')) {
    if (s.isP(']')) break
    items.push(parseTerm(s))
  }
  s.expectP(']')
  return { t: 'array', items, loc }
}

function parseBrace(s: Stream, loc: Term['loc']): Term {
  if (s.eatP('}')) return { t: 'object', pairs: [], loc }
  const first = parseTerm(s, { noBar: true })
  if (s.eatP(':')) {
    const value = parseTerm(s, { noBar: true })
    if (s.eatP('|')) {
      const body = parseBody(s, '}')
      return { t: 'objectcompr', key: first, value, body, loc }
    }
    const pairs: Array<[Term, Term]> = [[first, value]]
    while (s.eatP(',')) {
      if (s.isP('}')) break
      const k = parseTerm(s)
      s.expectP(':')
      pairs.push([k, parseTerm(s)])
    }
    s.expectP('}')
    return { t: 'object', pairs, loc }
  }
  if (s.eatP('|')) {
    const body = parseBody(s, '}')
    return { t: 'setcompr', term: first, body, loc }
  }
  const items = [first]
  while (s.eatP(',')) {
    if (s.isP('}')) break
    items.push(parseTerm(s))
  }
  s.expectP('}')
  return { t: 'set', items, loc }
}

function parseTemplate(s: Stream, parts: NonNullable<import('../lexer.ts').Token['parts']>, loc: Term['loc']): Term {
  const out: Array<string | Term> = []
  for (const p of parts) {
    if (typeof p === 'string') {
      out.push(p)
      continue
    }
    const { tokens } = tokenize(p.src, s.file)
    for (const tok of tokens) {
      if (tok.row === 1) tok.col += p.col - 1
      tok.row += p.row - 1
    }
    const sub = new Stream(tokens, s.file)
    sub.wild = s.wild
    // A `{expr}` part is re-tokenized and parsed like a body: nested templates nest like bodies.
    sub.depth = s.depth
    sub.enter(sub.peek(), BODY_LEVELS)
    const lit = parseLiteral(sub)
    if (sub.peek().k !== 'eof') sub.fail('expected } after template expression')
    if (lit.k === 'term' && lit.with.length === 0) out.push(lit.term)
    else {
      // An expression with `with` becomes a one-element comprehension evaluated in place.
      const v: Term = { t: 'var', name: `__tmpl${s.wild.n++}`, loc: lit.loc }
      const body: Expr = lit.k === 'term' ? { k: 'assign', lhs: v, rhs: lit.term, with: lit.with, loc: lit.loc } : lit
      out.push({ t: 'arraycompr', term: v, body: [body], loc: lit.loc, templ: true })
    }
  }
  return { t: 'template', parts: out, loc }
}

/** After `k,` in `k, v in xs`: builds the membership call, then any further `in` chain. */
function parseMember3(s: Stream, key: Term): Term {
  const v = parseTerm(s, { noIn: true })
  if (!s.isId('in')) s.fail('expected in')
  s.next()
  const coll = parseTerm(s, { noIn: true }, 1)
  let t: Term = { t: 'call', name: 'internal.member_3', args: [key, v, coll], loc: key.loc }
  while (s.isId('in') && !s.peek().nl) {
    s.next()
    t = { t: 'call', name: 'internal.member_2', args: [t, parseTerm(s, { noIn: true }, 1)], loc: key.loc }
  }
  return t
}

/** Literals up to (and consuming) `close`, separated by `;` or newlines. */
export function parseBody(s: Stream, close: string): Expr[] {
  const body: Expr[] = []
  s.enter(s.peek(), BODY_LEVELS)
  for (;;) {
    while (s.eatP(';'));
    if (s.eatP(close)) {
      s.leave(BODY_LEVELS)
      return body
    }
    if (s.peek().k === 'eof') s.fail(`expected ${close}`)
    const before = s.pos
    body.push(parseLiteral(s))
    const t = s.peek()
    if (!(t.nl || (t.k === 'punct' && (t.v === ';' || t.v === close)))) s.fail('expected end of expression', t)
    if (s.pos === before) s.fail('expected expression')
  }
}

/** A keyword is only a keyword where a ref cannot continue: `not.x` and `some[0]` are refs. */
function isKeyword(s: Stream, name: string): boolean {
  if (!s.isId(name)) return false
  const n = s.peek(1)
  if (n.k === 'eof' || n.nl) return false
  if (n.k === 'punct' && !n.ws && (n.v === '.' || n.v === '[' || n.v === '(')) return false
  if (n.k === 'punct' && ['=', ':=', '==', '!=', ',', ';', '}', ']', ')'].includes(n.v)) return false
  return true
}

export function parseLiteral(s: Stream): Expr {
  const start = s.peek()
  const loc = s.loc(start)
  let body: ExprBody
  if (isKeyword(s, 'not')) {
    s.enter(s.next(), BODY_LEVELS)
    const inner = parseLiteral(s)
    s.leave(BODY_LEVELS)
    body = { k: 'not', expr: inner }
    return { ...body, with: [], loc }
  } else if (isKeyword(s, 'some')) {
    s.next()
    const vars = [parseTerm(s, { noIn: true })]
    while (s.eatP(',')) vars.push(parseTerm(s, { noIn: true }))
    if (s.isId('in')) {
      s.next()
      const coll = parseTerm(s, { noIn: true }, 1)
      if (vars.length > 2) s.fail('expected at most two variables before in')
      body = vars.length === 2 ? { k: 'somein', key: vars[0], value: vars[1], coll } : { k: 'somein', value: vars[0], coll }
    } else {
      for (const v of vars) if (v.t !== 'var') s.fail('expected var in some declaration')
      body = { k: 'some', vars }
    }
  } else if (isKeyword(s, 'every')) {
    s.next()
    const a = parseTerm(s, { noIn: true })
    const b = s.eatP(',') ? parseTerm(s, { noIn: true }) : undefined
    if (!s.isId('in')) s.fail('expected in')
    s.next()
    const coll = parseTerm(s, { noIn: true }, 1)
    s.expectP('{')
    const everyBody = parseBody(s, '}')
    body = b ? { k: 'every', key: a, value: b, coll, body: everyBody } : { k: 'every', value: a, coll, body: everyBody }
  } else {
    const lhs = parseTerm(s)
    if (s.isP(',') && !s.peek().nl) {
      // `k, v in xs` membership with key.
      s.next()
      body = { k: 'term', term: parseMember3(s, lhs) }
    } else if (s.isP(':=') && !s.peek().nl) {
      s.next()
      body = { k: 'assign', lhs, rhs: parseTerm(s) }
    } else if (s.isP('=') && !s.peek().nl) {
      s.next()
      body = { k: 'unify', lhs, rhs: parseTerm(s) }
    } else body = { k: 'term', term: lhs }
  }
  const withs: With[] = []
  // Each `with` wraps the evaluation of the rest in one more context, so each is a level too.
  while (s.isId('with') && !(s.isP('.', 1) && !s.peek(1).ws)) {
    const wt = s.next()
    s.enter(wt)
    const target = parseTerm(s, { noIn: true }, 5)
    if (!s.isId('as')) s.fail('expected as')
    s.next()
    const value = parseTerm(s)
    withs.push({ target, value, loc: s.loc(wt) })
  }
  s.leave(withs.length)
  return { ...body, with: withs, loc }
}
