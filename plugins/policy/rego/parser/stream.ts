/** Token cursor shared by the term, expression and module parsers. */
import { RegoError, type Location } from '../errors.ts'
import type { Token } from '../lexer.ts'

/**
 * How deeply a term or expression may nest. Brackets, parentheses, operators (`1 + 2 + ...` is
 * one level per operator: the tree is left-deep), ref segments, calls, rule head segments and
 * `with` count 1; a body (comprehension, `every`, rule), `not` and a template's `{expr}` count
 * BODY_LEVELS, because evaluating one takes several times the stack of a bracket. The parser,
 * the compiler passes and the evaluator all recurse per level, so this bound is what keeps
 * hostile source a clean `rego_parse_error` instead of a stack overflow later. Element lists
 * (array items, body expressions, rules) do not count: they are walked iteratively. Documented
 * in the engine README; test/plugins/policy/rego/deep.test.ts checks every construct at the limit.
 */
export const MAX_NESTING = 500
export const BODY_LEVELS = 3

/** V8's stack overflow, which a depth-bounded recursion should never hit but may near the limit. */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message)
}

export class Stream {
  pos = 0
  /** Current nesting (see MAX_NESTING); shared with the sub-streams of template strings. */
  depth = 0
  /** Counter for renaming `_` wildcards into distinct variables. */
  wild = { n: 0 }
  constructor(
    readonly toks: Token[],
    readonly file: string,
  ) {}
  peek(o = 0): Token {
    return this.toks[Math.min(this.pos + o, this.toks.length - 1)]
  }
  next(): Token {
    const t = this.peek()
    if (this.pos < this.toks.length - 1) this.pos++
    return t
  }
  isP(v: string, o = 0): boolean {
    const t = this.peek(o)
    return t.k === 'punct' && t.v === v
  }
  isId(v: string, o = 0): boolean {
    const t = this.peek(o)
    return t.k === 'ident' && t.v === v
  }
  eatP(v: string): boolean {
    if (!this.isP(v)) return false
    this.next()
    return true
  }
  expectP(v: string): Token {
    if (!this.isP(v)) this.fail(`expected ${v}`)
    return this.next()
  }
  /** One level deeper; pair with `leave` (a parse error abandons the stream, so no finally). */
  enter(t: Token = this.peek(), levels = 1): void {
    this.depth += levels
    if (this.depth > MAX_NESTING) this.tooDeep(t)
  }
  tooDeep(t: Token = this.peek()): never {
    throw new RegoError('rego_parse_error', `max parsing recursion depth reached (at most ${MAX_NESTING} levels; a body or not counts ${BODY_LEVELS})`, this.loc(t))
  }
  /**
   * Runs a parse, turning a stack overflow into the depth error: MAX_NESTING leaves a wide margin
   * at the top of the stack, but a caller may already be deep in it.
   */
  guard<T>(parse: () => T): T {
    try {
      return parse()
    } catch (e) {
      if (isStackOverflow(e)) this.tooDeep()
      throw e
    }
  }
  leave(n = 1): void {
    this.depth -= n
  }
  loc(t: Token = this.peek()): Location {
    return { file: this.file, row: t.row, col: t.col }
  }
  fail(msg: string, t: Token = this.peek()): never {
    const what = t.k === 'eof' ? 'unexpected eof token' : `unexpected ${t.k === 'punct' ? t.v : t.k} token`
    throw new RegoError('rego_parse_error', `${what}: ${msg}`, this.loc(t))
  }
}
