/**
 * Decision logs: every decision served through the OPA API is recorded in the app-data store
 * (collection `decision-logs`, id = decision_id) with path, input, result, policy revision, timing,
 * DC and caller. Before it is written, the project's `data.system.log.mask` rules (OPA's masking
 * convention) are evaluated with the event as input: a string "/input/password" removes that
 * field, an object {"op": "upsert", "path": "/input/x", "value": v} sets it.
 */
import type { AppDataStore } from '../../src/infra/ports/appdata.ts'
import { evaluate } from './rego/index.ts'
import { fromJs, toJs } from './rego/value.ts'
import type { CompiledProject } from './compiled.ts'

export const DECISION_LOGS = 'decision-logs'

export interface DecisionEvent {
  decision_id: string
  path: string
  input?: unknown
  result?: unknown
  revision: number
  timestamp: string
  dc: string
  subject: string
  metrics: { timer_rego_query_eval_ns: number }
  error?: string
  erased?: string[]
  masked?: string[]
}

const MASKABLE_ROOTS = new Set(['input', 'result'])

function splitPointer(p: string): string[] | undefined {
  if (!p.startsWith('/')) return undefined
  const segs = p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
  return MASKABLE_ROOTS.has(segs[0]) ? segs : undefined
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

export function createDecisionLog(appData: AppDataStore) {
  return {
    async record(projectId: string, event: DecisionEvent): Promise<void> {
      await appData.create(projectId, DECISION_LOGS, event.decision_id, event as unknown as Record<string, unknown>)
    },
    async query(projectId: string, q: { path?: string; limit?: number; cursor?: string }) {
      const page = await appData.query<DecisionEvent>(projectId, DECISION_LOGS, { where: q.path ? { path: q.path } : undefined, limit: q.limit, cursor: q.cursor, order: 'desc' })
      return { items: page.items.map((d) => d.body), nextCursor: page.nextCursor }
    },
    async get(projectId: string, decisionId: string) {
      return (await appData.get<DecisionEvent>(projectId, DECISION_LOGS, decisionId))?.body
    },
  }
}

export type DecisionLog = ReturnType<typeof createDecisionLog>
