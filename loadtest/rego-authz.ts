/**
 * Scenario rego-authz: the gateway's shipped authorization policy (plugins/policy/authz/authz.rego)
 * decided in-process, with the action catalog the gateway hands it as data.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ActionCatalog } from '../src/contracts/authorization.ts'
import { gatewayActions } from '../src/gateway/actions.ts'
import { platformActions } from '../plugins/platform/actions.ts'
import { policyActions } from '../plugins/policy/actions.ts'
import { compileModules, evaluate } from '../plugins/policy/rego/index.ts'
import { fromJs, toJs } from '../plugins/policy/rego/value.ts'
import { facadeCases } from './rego-authz-facade.ts'
import { benchCases, expectEqual, microData, microTable, type DecisionCase } from './rego-micro.ts'
import type { Scenario } from './scenario.ts'
import { fmtNs } from './stats.ts'

// The catalog as src/app.ts assembles it, without importing the whole app (and its stores) here.
const ACTIONS: ActionCatalog = { ...gatewayActions, ...platformActions, ...policyActions }

const POLICY_FILE = fileURLToPath(new URL('../plugins/policy/authz/authz.rego', import.meta.url))
const PATH = 'data.dyad.authz.decision'

interface Principal {
  subject: string
  via: 'api-key' | 'jwt'
  projectScope: string | null
  platformAdmin: boolean
  role: string | null
}

const input = (principal: Principal, action: string, project: string | null) => ({
  principal,
  project,
  action,
  resource: { type: action.split('.')[0], projectId: project },
})

const member: Principal = { subject: 'alice', via: 'api-key', projectScope: null, platformAdmin: false, role: 'project-user' }
const admin: Principal = { subject: 'root', via: 'api-key', projectScope: null, platformAdmin: true, role: null }
const scoped: Principal = { subject: 'ci', via: 'api-key', projectScope: 'shop', platformAdmin: false, role: 'project-admin' }

export const regoAuthz: Scenario = {
  name: 'rego-authz',
  description: "the gateway's shipped authz policy, in-process decision time and allocations",
  async run(opts) {
    const policy = compileModules({ files: { 'authz.rego': readFileSync(POLICY_FILE, 'utf8') } })
    const data = fromJs({ dyad: { actions: ACTIONS } })
    const decide = (raw: unknown) => evaluate(policy, { path: PATH, input: fromJs(raw), data }).result
    const prepared = (label: string, raw: unknown, expected: { allow: boolean; reason: string }): DecisionCase => {
      const value = fromJs(raw)
      const fn = () => evaluate(policy, { path: PATH, input: value, data })
      return { label, fn, check: () => expectEqual(toJs(fn().result!), expected, label) }
    }
    const memberRead = input(member, 'project.read', 'shop')
    const cases: DecisionCase[] = [
      prepared('member reads project → allow', memberRead, { allow: true, reason: 'allowed' }),
      prepared('platform admin creates project → allow', input(admin, 'project.create', null), { allow: true, reason: 'allowed' }),
      prepared('scoped key, other project → deny', input(scoped, 'policy.write', 'other'), { allow: false, reason: 'key is scoped to project shop' }),
      prepared('member writes policy → deny', input(member, 'policy.write', 'shop'), { allow: false, reason: 'requires project-admin' }),
      {
        label: 'member read, incl. fromJs(input) + toJs(result)',
        fn: () => toJs(decide(memberRead)!),
        check: () => expectEqual(toJs(decide(memberRead)!), { allow: true, reason: 'allowed' }, 'end-to-end'),
      },
      ...(await facadeCases(ACTIONS)),
    ]
    const results = await benchCases(cases, opts)
    return {
      tables: [microTable('rego-authz: in-process decisions of data.dyad.authz.decision (input and data converted once, unless stated; authorize() rows convert per call)', results)],
      summary: results.map((r) => `rego-authz ${r.label}: median ${fmtNs(r.timing.perCall.median)}, p99 ${fmtNs(r.timing.perCall.p99)}, mean ${fmtNs(r.timing.loop.meanNs)}`),
      notes: [
        'Deny cases walk further down the policy\'s chain of checks (some with sprintf), so they cost more than allows.',
        'authorize() rows are the gateway\'s call: input value and cache key built per call, decision evaluated (cache off, cache cold) or looked up (cache warm).',
        `Allocation: ${results[0].alloc.method}`,
      ],
      data: { policyFile: 'plugins/policy/authz/authz.rego', path: PATH, cases: microData(results) },
    }
  },
}
