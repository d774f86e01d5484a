/**
 * Scenario rego-hostile: how long each hostile-tenant attack (test/plugins/policy/hostile-attacks.ts)
 * holds the event loop under the service's default budget. Evaluation is synchronous, so the
 * time one evaluate() call takes is exactly how long every other request in the process waits.
 * The figure to watch is "over deadline": the bar is the deadline plus 50 ms.
 */
import { compileModules, evaluate, RegoError } from '../plugins/policy/rego/index.ts'
import { toJsonText, toJsonTexts } from '../plugins/policy/rego/value.ts'
import { ATTACKS, attackModule } from '../test/plugins/policy/hostile-attacks.ts'
import type { Scenario } from './scenario.ts'

/** DYAD_POLICY_TIMEOUT_MS and DYAD_POLICY_MAX_STEPS defaults; the memory budget is the machine's default. */
const BUDGET = { timeoutMs: 1000, maxSteps: 10_000_000 }

/** Runs one evaluation the way the service does (writing the result out included); returns ms held and how it ended. */
function hold(run: () => unknown): { ms: number; outcome: string } {
  const t0 = process.hrtime.bigint()
  let outcome: string
  try {
    run()
    outcome = 'completed (!)'
  } catch (e) {
    outcome = e instanceof RegoError ? `${e.code}: ${e.detail}` : `crash: ${(e as Error).message}`
  }
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, outcome }
}

export const regoHostile: Scenario = {
  name: 'rego-hostile',
  description: 'event-loop time held by each hostile-tenant attack (query and decision) under the default budget',
  async run() {
    const empty = compileModules({ files: {} })
    const rows: Array<Record<string, string>> = []
    const data: Record<string, unknown> = {}
    let worst = 0
    for (const [name, lines] of Object.entries(ATTACKS)) {
      const policy = compileModules({ files: { 'attack.rego': attackModule(lines) } })
      const query = hold(() => toJsonTexts(evaluate(empty, { query: lines.join('; '), budget: BUDGET }).bindings.flatMap((b) => Object.values(b))))
      const decision = hold(() => {
        const r = evaluate(policy, { path: 'data.hostile.p', budget: BUDGET }).result
        return r && toJsonText(r)
      })
      for (const [kind, h] of [['query', query], ['decision', decision]] as const) {
        worst = Math.max(worst, h.ms - BUDGET.timeoutMs)
        rows.push({ attack: name, as: kind, held: `${h.ms.toFixed(0)} ms`, 'over deadline': `${Math.max(0, h.ms - BUDGET.timeoutMs).toFixed(0)} ms`, outcome: h.outcome.slice(0, 70) })
      }
      data[name] = { queryMs: query.ms, decisionMs: decision.ms, query: query.outcome, decision: decision.outcome }
    }
    return {
      tables: [{ title: 'Event loop held per attack (deadline 1000 ms, 10M steps)', columns: ['attack', 'as', 'held', 'over deadline', 'outcome'], rows }],
      summary: [`hostile attacks: worst ${Math.max(0, worst).toFixed(0)} ms past the 1000 ms deadline (bar: 50 ms)`],
      notes: [
        'In-process evaluate() with the service budget; a real request adds parsing and the response on top.',
        'Attacks stopped by the step or memory budget end before the deadline; "over deadline" is 0 for them.',
      ],
      data,
    }
  },
}
