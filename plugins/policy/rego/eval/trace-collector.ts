/**
 * The Tracer behind `evaluate({ trace })`: keeps raw events (live values, no copies of documents)
 * and renders them as OPA's JSON events only at the end, for the events actually kept.
 */
import type { Expr } from '../ast.ts'
import { isWildcard } from '../compiler/vars.ts'
import type { Location } from '../errors.ts'
import { createTextBudget, toJsonText, type Value } from '../value.ts'
import { exprJson } from './ast-json.ts'
import type { Env } from './context.ts'
import type { TraceEvent, TraceMode, TraceNode, TraceOp, Tracer } from './trace.ts'

export const DEFAULT_MAX_TRACE_EVENTS = 10_000

interface Raw {
  seq: number
  op: TraceOp
  id: number
  parent: number
  node: TraceNode | { kind: 'expr'; e: Expr; index: number } | null
  loc?: Location
  locals: Array<[string, Value]>
  message?: string
}

interface Open {
  enter: Raw
  emitted: boolean
}

export interface TraceCollector extends Tracer {
  /** The recorded events in evaluation order, rendered as JSON. */
  events(): TraceEvent[]
}

/**
 * Records events up to `maxEvents`, then stops and ends the list with a Note saying so. In
 * `fails` mode only Fail events are kept, with the Enter events of their query and its ancestors
 * (OPA's lineage), so a reader can tell which rule each failure belongs to.
 */
export function createTraceCollector(mode: TraceMode, maxEvents = DEFAULT_MAX_TRACE_EVENTS): TraceCollector {
  const kept: Raw[] = []
  const open = new Map<number, Open>()
  let seq = 0
  let nextId = 1
  let truncated = false
  const snapshot = (env: Env): Array<[string, Value]> => (env.size ? [...env] : [])
  const keep = (r: Raw): boolean => {
    if (kept.length >= maxEvents) {
      truncated = true
      return false
    }
    kept.push(r)
    return true
  }
  // Fails mode: an Enter is kept only once a failure inside it (or a descendant) is.
  const keepLineage = (id: number): boolean => {
    const chain: Open[] = []
    for (let o = open.get(id); o && !o.emitted; o = open.get(o.enter.parent)) chain.push(o)
    for (let i = chain.length - 1; i >= 0; i--) {
      if (!keep(chain[i].enter)) return false
      chain[i].emitted = true
    }
    return true
  }
  const full = mode === 'full'

  const parentOf = (id: number): number => open.get(id)?.enter.parent ?? 0

  return {
    current: 0,
    enter(node, loc) {
      const id = nextId++
      const r: Raw = { seq: seq++, op: 'Enter', id, parent: this.current, node, loc, locals: [] }
      open.set(id, { enter: r, emitted: false })
      if (full && !truncated) keep(r)
      this.current = id
      return id
    },
    expr(op, id, e, index, env) {
      if (truncated || (!full && op !== 'Fail')) return
      const r: Raw = { seq: seq++, op, id, parent: parentOf(id), node: { kind: 'expr', e, index }, loc: e.loc, locals: snapshot(env) }
      if (full || keepLineage(id)) keep(r)
    },
    exit(id, node, env) {
      if (truncated || !full) return
      const loc = node.kind === 'rule' ? node.rule.loc : node.body[0]?.loc
      keep({ seq: seq++, op: 'Exit', id, parent: parentOf(id), node, loc, locals: snapshot(env) })
    },
    close(id, parent) {
      open.delete(id)
      this.current = parent
    },
    note(message, loc, env) {
      if (truncated || !full) return
      keep({ seq: seq++, op: 'Note', id: this.current, parent: parentOf(this.current), node: null, loc, locals: snapshot(env), message })
    },
    events() {
      const render = createRenderer()
      const out = kept.sort((a, b) => a.seq - b.seq).map(render)
      if (truncated) out.push({ op: 'Note', query_id: 0, parent_id: 0, type: 'expr', node: null, locals: [], message: `trace truncated after ${maxEvents} events` })
      return out
    },
  }
}

/** Raw events -> JSON, converting each expression and value once however often it appears. */
function createRenderer(): (r: Raw) => TraceEvent {
  const nodes = new WeakMap<object, unknown>()
  const values = new WeakMap<Value, unknown>()
  const cached = <K extends object>(m: WeakMap<K, unknown>, key: K, make: () => unknown): unknown => {
    if (m.has(key)) return m.get(key)
    const v = make()
    m.set(key, v)
    return v
  }
  // Via JSON text: toJs would give BigInts for huge integers, which JSON.stringify refuses.
  const json = (v: Value): unknown => cached(values, v, () => JSON.parse(toJsonText(v)))
  const charge = createTextBudget('the trace') // locals repeat in every event: bound the whole response
  const nodeJson = (n: Raw['node']): unknown => {
    if (n === null) return null
    switch (n.kind) {
      case 'expr':
        return cached(nodes, n.e, () => exprJson(n.e, n.index))
      case 'body':
        return cached(nodes, n.body, () => n.body.map((e, i) => exprJson(e, i)))
      case 'rule':
        return cached(nodes, n.rule, () => ({ ref: ['data', ...n.rule.path].join('.'), kind: n.rule.kind }))
    }
  }
  return (r) => {
    const ev: TraceEvent = {
      op: r.op,
      query_id: r.id,
      parent_id: r.parent,
      type: r.node === null || r.node.kind === 'expr' ? 'expr' : r.node.kind,
      node: nodeJson(r.node),
      locals: r.locals.filter(([name]) => !isWildcard(name)).map(([name, v]) => ({ key: { type: 'var', value: name }, value: (charge(v), json(v)) })),
    }
    if (r.loc) ev.location = { file: r.loc.file, row: r.loc.row, col: r.loc.col }
    if (r.message !== undefined) ev.message = r.message
    return ev
  }
}
