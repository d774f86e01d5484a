/**
 * strings.render_template: the commonly used part of Go's text/template — field and variable
 * references, if/else, range (with index/element variables), with, comments and trim markers.
 * Missing keys render as "<undefined>", as in OPA.
 */
import { objGet, sortedEntries, sortedItems, str as strV, toNumber, type Value } from '../value.ts'
import { builtinError, def, objArg, str } from './args.ts'
import type { BuiltinDef } from './contract.ts'

type Node =
  | { k: 'text'; s: string }
  | { k: 'out'; expr: string }
  | { k: 'if' | 'with'; expr: string; then: Node[]; else: Node[] }
  | { k: 'range'; vars: string[]; expr: string; body: Node[]; else: Node[] }

const NAME = 'strings.render_template'
const MISSING = Symbol('missing')
type V = Value | typeof MISSING

function lex(t: string): Array<{ text?: string; action?: string }> {
  const out: Array<{ text?: string; action?: string }> = []
  let i = 0
  while (i < t.length) {
    const open = t.indexOf('{{', i)
    if (open < 0) { out.push({ text: t.slice(i) }); break }
    let text = t.slice(i, open)
    const close = t.indexOf('}}', open + 2)
    if (close < 0) throw builtinError(NAME, 'template: unclosed action')
    let action = t.slice(open + 2, close)
    if (action.startsWith('- ')) { text = text.replace(/\s+$/, ''); action = action.slice(2) }
    let next = close + 2
    if (action.endsWith(' -')) {
      action = action.slice(0, -2)
      while (next < t.length && /\s/.test(t[next])) next++
    }
    if (text) out.push({ text })
    out.push({ action: action.trim() })
    i = next
  }
  return out
}

function parse(tokens: Array<{ text?: string; action?: string }>): Node[] {
  let pos = 0
  const block = (stops: string[]): { nodes: Node[]; stop: string } => {
    const nodes: Node[] = []
    while (pos < tokens.length) {
      const tk = tokens[pos++]
      if (tk.text !== undefined) { nodes.push({ k: 'text', s: tk.text }); continue }
      const a = tk.action as string
      if (a.startsWith('/*')) continue
      const word = a.split(/\s+/)[0]
      if (stops.includes(word)) return { nodes, stop: word }
      if (word === 'if' || word === 'with') {
        const then = block(['else', 'end'])
        const els = then.stop === 'else' ? block(['end']).nodes : []
        nodes.push({ k: word, expr: a.slice(word.length).trim(), then: then.nodes, else: els })
      } else if (word === 'range') {
        const m = /^range\s+(?:(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*)?(.+)$/.exec(a)
        if (!m) throw builtinError(NAME, `template: bad range: ${a}`)
        const body = block(['else', 'end'])
        const els = body.stop === 'else' ? block(['end']).nodes : []
        nodes.push({ k: 'range', vars: [m[1], m[2]].filter(Boolean) as string[], expr: m[3], body: body.nodes, else: els })
      } else nodes.push({ k: 'out', expr: a })
    }
    if (stops.length > 0) throw builtinError(NAME, 'template: unexpected EOF')
    return { nodes, stop: '' }
  }
  return block([]).nodes
}

function lookup(base: V, path: string[]): V {
  let cur = base
  for (const seg of path) {
    if (cur === MISSING || cur.type !== 'object') return MISSING
    cur = objGet(cur, strV(seg)) ?? MISSING
  }
  return cur
}

function evalExpr(expr: string, dot: V, vars: Map<string, V>): V {
  const e = expr.trim()
  if (e === '.') return dot
  if (/^"(?:[^"\\]|\\.)*"$/.test(e)) return strV(JSON.parse(e) as string)
  if (e.startsWith('.')) return lookup(dot, e.slice(1).split('.'))
  const m = /^(\$\w*)((?:\.\w+)*)$/.exec(e)
  if (m) return lookup(vars.get(m[1]) ?? MISSING, m[2] ? m[2].slice(1).split('.') : [])
  throw builtinError(NAME, `template: unsupported expression: ${e}`)
}

function truthy(v: V): boolean {
  if (v === MISSING) return false
  switch (v.type) {
    case 'null': return false
    case 'boolean': return v.value
    case 'number': return toNumber(v) !== 0
    case 'string': return v.value !== ''
    case 'array': return v.items.length > 0
    case 'object': return v.entries.size > 0
    case 'set': return v.items.size > 0
  }
}

/** Go's %v of the JSON-ish value OPA hands to text/template. */
function show(v: V): string {
  if (v === MISSING) return '<undefined>'
  switch (v.type) {
    case 'null': return '<nil>'
    case 'string': return v.value
    case 'array': return `[${v.items.map(show).join(' ')}]`
    case 'set': return `[${sortedItems(v).map(show).join(' ')}]`
    case 'object': return `map[${[...v.entries.values()].sort((a, b) => (show(a[0]) < show(b[0]) ? -1 : 1)).map(([k, x]) => `${show(k)}:${show(x)}`).join(' ')}]`
    default: return v.type === 'number' && v.int !== undefined ? v.int.toString() : String(v.type === 'number' ? v.float : v.value)
  }
}

function render(nodes: Node[], dot: V, vars: Map<string, V>): string {
  let out = ''
  for (const n of nodes) {
    if (n.k === 'text') out += n.s
    else if (n.k === 'out') out += show(evalExpr(n.expr, dot, vars))
    else if (n.k === 'if') out += render(truthy(evalExpr(n.expr, dot, vars)) ? n.then : n.else, dot, vars)
    else if (n.k === 'with') {
      const v = evalExpr(n.expr, dot, vars)
      out += truthy(v) ? render(n.then, v, vars) : render(n.else, dot, vars)
    } else if (n.k === 'range') {
      const v = evalExpr(n.expr, dot, vars)
      const items: Array<[Value, Value]> =
        v === MISSING ? [] : v.type === 'array' ? v.items.map((x, i) => [{ type: 'number', int: BigInt(i) }, x])
          : v.type === 'object' ? sortedEntries(v).map(([k, x]) => [k, x]) : v.type === 'set' ? sortedItems(v).map((x, i) => [{ type: 'number', int: BigInt(i) }, x]) : []
      if (items.length === 0) { out += render(n.else, dot, vars); continue }
      for (const [k, x] of items) {
        const scope = new Map(vars)
        if (n.vars.length === 2) { scope.set(n.vars[0], k); scope.set(n.vars[1], x) } else if (n.vars.length === 1) scope.set(n.vars[0], x)
        out += render(n.body, x, scope)
      }
    }
  }
  return out
}

export const TEMPLATE_BUILTINS: BuiltinDef[] = [
  def(NAME, 2, ([t, v]) => {
    const data = objArg(NAME, v, 2)
    return strV(render(parse(lex(str(NAME, t, 1))), data, new Map([['$', data]])))
  }),
]
