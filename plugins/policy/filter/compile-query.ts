/**
 * The queries `POST /v1/compile` accepts here: one rule, as `data.a.b`, `data.a.b == true` or
 * `data.a.b = true` (either side). Other queries are refused, not approximated.
 */
import type { Term } from '../rego/ast.ts'
import { RegoError } from '../rego/errors.ts'
import { parseQuery } from '../rego/parser/module.ts'
import { PolicyErrors } from '../errors.ts'

function rulePath(t: Term): string[] | undefined {
  if (t.t !== 'ref' || t.head.t !== 'var' || t.head.name !== 'data') return undefined
  const out: string[] = []
  for (const p of t.path) {
    if (p.t !== 'scalar' || p.v.type !== 'string') return undefined
    out.push(p.v.value)
  }
  return out.length ? out : undefined
}

const isTrue = (t: Term) => t.t === 'scalar' && t.v.type === 'boolean' && t.v.value

/** The rule path a compile query names; a parse error is OPA's 400, another shape is unsupported. */
export function compileTarget(query: string): string[] {
  let body
  try {
    body = parseQuery(query, 'query')
  } catch (err) {
    if (err instanceof RegoError) throw PolicyErrors.compile([err.toJSON()])
    throw err
  }
  const e = body.length === 1 && body[0].with.length === 0 ? body[0] : undefined
  let path: string[] | undefined
  if (e?.k === 'term' && e.term.t === 'ref') path = rulePath(e.term)
  else if (e?.k === 'term' && e.term.t === 'call' && e.term.name === 'equal' && e.term.args.length === 2) {
    const [a, b] = e.term.args
    path = isTrue(b) ? rulePath(a) : isTrue(a) ? rulePath(b) : undefined
  } else if (e?.k === 'unify') path = isTrue(e.rhs) ? rulePath(e.lhs) : isTrue(e.lhs) ? rulePath(e.rhs) : undefined
  if (!path) throw PolicyErrors.partialUnsupported('compile queries here name one rule: data.<path> or data.<path> == true')
  return path
}
