/** Token cursor shared by the term, expression and module parsers. */
import { RegoError, type Location } from '../errors.ts'
import type { Token } from '../lexer.ts'

export class Stream {
  pos = 0
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
  loc(t: Token = this.peek()): Location {
    return { file: this.file, row: t.row, col: t.col }
  }
  fail(msg: string, t: Token = this.peek()): never {
    const what = t.k === 'eof' ? 'unexpected eof token' : `unexpected ${t.k === 'punct' ? t.v : t.k} token`
    throw new RegoError('rego_parse_error', `${what}: ${msg}`, this.loc(t))
  }
}
