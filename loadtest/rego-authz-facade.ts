/**
 * The gateway's view of authorization cost: `createRegoAuthorizer(...).authorize()` with roles
 * answered from memory, so everything a request pays is in the call: building the input value
 * and its cache key, the decision (evaluated or cached), and reading allow/reason back.
 *
 * - cache off: every call evaluates the policy (decisionCacheSize 0);
 * - cache cold: every call is a miss (a new subject each time, more of them than the cache holds),
 *   so it pays the evaluation plus the key and the insert;
 * - cache warm: the same request again, answered from the cache.
 */
import type { ActionCatalog, Decision } from '../src/contracts/authorization.ts'
import type { Principal, ProjectRole } from '../src/contracts/principal.ts'
import { createRegoAuthorizer } from '../plugins/policy/authz/authorizer.ts'
import { expectEqual, type DecisionCase } from './rego-micro.ts'

const CACHE_SIZE = 10_000
const COLD_SUBJECTS = 4 * CACHE_SIZE

function syncDecision(d: Decision | Promise<Decision>): Decision {
  if (d instanceof Promise) throw new Error('authorize() went async: roles and policies should be in memory here')
  return d
}

export async function facadeCases(catalog: ActionCatalog): Promise<DecisionCase[]> {
  const roleOf = (_p: string, s: string): ProjectRole | null => (s === 'alice' || s.startsWith('user-') ? 'project-user' : null)
  const make = (decisionCacheSize: number) =>
    createRegoAuthorizer({ catalog, roles: { roleOf }, store: { getAuthzOverride: async () => undefined }, log: { error: () => {}, warn: () => {} }, decisionCacheSize })
  const off = make(0)
  const on = make(CACHE_SIZE)
  const alice: Principal = { subject: 'alice', via: 'api-key', keyId: 'k1', projectScope: null, platformAdmin: false }
  const read = { type: 'project', projectId: 'shop' }
  // The first request for a project reads its (absent) replacement; from then on it is in memory.
  for (const a of [off, on]) await a.authorize(alice, 'project.read', read)
  const cold: Principal[] = Array.from({ length: COLD_SUBJECTS }, (_, i) => ({ ...alice, subject: `user-${i}` }))
  let next = 0
  const allowed = { allow: true, reason: 'allowed' }
  const check = (label: string, fn: () => Decision) => () => expectEqual(fn(), allowed, label)
  const cases: Array<[string, () => Decision]> = [
    ['authorize(): member read, cache off', () => syncDecision(off.authorize(alice, 'project.read', read))],
    ['authorize(): member read, cache cold (every call a miss)', () => syncDecision(on.authorize(cold[next++ % COLD_SUBJECTS], 'project.read', read))],
    ['authorize(): member read, cache warm', () => syncDecision(on.authorize(alice, 'project.read', read))],
  ]
  return cases.map(([label, fn]) => ({ label, fn, check: check(label, fn) }))
}
