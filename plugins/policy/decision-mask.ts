/**
 * Decision-log masking, OPA's convention: before an event is logged, the project's
 * `data.system.log.mask` rules are evaluated with the event as input. A string "/input/password"
 * removes that field; an object {"op": "upsert", "path": "/input/x", "value": v} sets it. Only
 * `input` and `result` can be masked, so a mask can never hide who decided or when.
 */
import { evaluate } from './rego/index.ts'
import { fromJs, toJs } from './rego/value.ts'
import type { CompiledProject } from './compiled.ts'
import type { DecisionEvent } from './decision-log.ts'
import { parsePointer } from './json-pointer.ts'

const MASKABLE_ROOTS = new Set(['input', 'result'])

/** A mask path is an RFC 6901 pointer into the event, under /input or /result. */
function splitPointer(p: string): string[] | undefined {
  const segs = parsePointer(p)
  return segs && MASKABLE_ROOTS.has(segs[0]) ? segs : undefined
}

function removeAt(event: Record<string, any>, segs: string[]): boolean {
  let cur = event
  for (const s of segs.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return false
    cur = cur[s]
  }
  const last = segs[segs.length - 1]
  if (cur === null || typeof cur !== 'object' || !(last in cur)) return false
  delete cur[last]
  return true
}

function upsertAt(event: Record<string, any>, segs: string[], value: unknown) {
  let cur = event
  for (const s of segs.slice(0, -1)) {
    if (cur[s] === null || typeof cur[s] !== 'object') cur[s] = {}
    cur = cur[s]
  }
  cur[segs[segs.length - 1]] = value
}

/** Applies the project's mask rules to the event in place. Mask failures erase input and result: fail safe. */
export function applyMask(compiled: CompiledProject, event: DecisionEvent): void {
  if (!compiled.hasLogMask) return
  let rules: unknown
  try {
    rules = toJs(evaluate(compiled.policy, { path: 'data.system.log.mask', input: fromJs(event), data: compiled.data, budget: { timeoutMs: 200 } }).result ?? fromJs([]))
  } catch {
    delete event.input
    delete event.result
    event.erased = ['/input', '/result']
    return
  }
  for (const rule of Array.isArray(rules) ? rules : []) {
    if (typeof rule === 'string') {
      const segs = splitPointer(rule)
      if (segs && removeAt(event as any, segs)) (event.erased ??= []).push(rule)
    } else if (rule && typeof rule === 'object' && (rule as any).op === 'upsert' && typeof (rule as any).path === 'string') {
      const segs = splitPointer((rule as any).path)
      if (segs) {
        upsertAt(event as any, segs, (rule as any).value)
        ;(event.masked ??= []).push((rule as any).path)
      }
    }
  }
}
