/**
 * The gateway's `authorize` facade backed by Rego: the shipped `data.dyad.authz` policy, or a
 * project's replacement of it. Fails closed: a policy that errors, times out or returns anything
 * but {"allow": true, ...} is a denial, and the error is logged.
 *
 * Platform-scoped actions are always decided by the shipped policy, so a project's replacement
 * can never lock platform admins out of the platform API (including the route that fixes it).
 */
import { readFileSync } from 'node:fs'
import type { ActionCatalog, Authorizer, Decision } from '../../../src/contracts/authorization.ts'
import type { Principal, ProjectRole, Resource } from '../../../src/contracts/principal.ts'
import { compileModules, evaluate, type CompiledPolicy } from '../rego/index.ts'
import { fromJs, toJs } from '../rego/value.ts'
import { compileOrThrow } from '../compiled.ts'
import { PolicyErrors } from '../errors.ts'
import type { PolicyStore } from '../store.ts'

export const SHIPPED_AUTHZ = readFileSync(new URL('./authz.rego', import.meta.url), 'utf8')
const BUDGET = { timeoutMs: 100, maxSteps: 1_000_000 }

export interface RegoAuthorizer extends Authorizer {
  /** A project's replacement changed (from either DC): drop the cached compile. */
  invalidate(projectId: string): void
  /** Compiles a candidate replacement and checks it answers a sample request with the right shape. */
  validateReplacement(raw: string): void
}

export function createRegoAuthorizer(deps: {
  /** The assembled action catalog (every domain's slice), read by the policy as data.dyad.actions. */
  catalog: ActionCatalog
  members: { getMember(projectId: string, subject: string): Promise<{ role: ProjectRole } | undefined> }
  store: PolicyStore
  log: { error(obj: object, msg: string): void }
}): RegoAuthorizer {
  const ACTIONS = deps.catalog
  const ACTIONS_DATA = fromJs({ dyad: { actions: ACTIONS } })
  const shipped = compileModules({ files: { 'dyad/authz.rego': SHIPPED_AUTHZ } })
  const overrides = new Map<string, Promise<CompiledPolicy | null>>()

  function policyFor(projectId: string | undefined, action: string): Promise<CompiledPolicy | null> {
    if (!projectId || ACTIONS[action]?.scope === 'platform') return Promise.resolve(null)
    let p = overrides.get(projectId)
    if (!p) {
      p = deps.store.getAuthzOverride(projectId).then((raw) => (raw ? compileModules({ files: { [`authz/${projectId}.rego`]: raw } }) : null))
      p.catch(() => overrides.delete(projectId))
      overrides.set(projectId, p)
    }
    return p
  }

  function decide(policy: CompiledPolicy, input: unknown): Decision {
    const out = toJs(evaluate(policy, { path: 'data.dyad.authz.decision', input: fromJs(input), data: ACTIONS_DATA, budget: BUDGET }).result ?? fromJs(null)) as any
    if (out && out.allow === true) return { allow: true, reason: String(out.reason ?? 'allowed') }
    return { allow: false, reason: typeof out?.reason === 'string' ? out.reason : 'denied by policy' }
  }

  return {
    async authorize(principal: Principal, action: string, resource: Resource): Promise<Decision> {
      const projectId = resource.projectId
      const role = projectId ? ((await deps.members.getMember(projectId, principal.subject))?.role ?? null) : null
      const input = { principal: { ...principal, role }, project: projectId ?? null, action, resource }
      try {
        const override = await policyFor(projectId, action)
        return decide(override ?? shipped, input)
      } catch (err) {
        deps.log.error({ err, action, projectId, subject: principal.subject }, 'authorization policy failed; denying')
        return { allow: false, reason: 'authorization policy error' }
      }
    },
    invalidate(projectId) {
      overrides.delete(projectId)
    },
    validateReplacement(raw) {
      if (!/^\s*package\s+dyad\.authz\s*$/m.test(raw)) throw PolicyErrors.invalidParameter('the replacement must declare `package dyad.authz`')
      const policy = compileOrThrow([{ id: 'authz.rego', raw }])
      const sample = { principal: { subject: 's', via: 'api-key', projectScope: null, platformAdmin: false, role: 'project-user' }, project: 'p', action: 'project.read', resource: { type: 'project', projectId: 'p' } }
      let out: any
      try {
        out = toJs(evaluate(policy, { path: 'data.dyad.authz.decision', input: fromJs(sample), data: ACTIONS_DATA, budget: BUDGET }).result ?? fromJs(null))
      } catch (err) {
        throw PolicyErrors.invalidParameter(`the replacement fails on a sample request: ${(err as Error).message}`)
      }
      if (!out || typeof out.allow !== 'boolean') throw PolicyErrors.invalidParameter('data.dyad.authz.decision must be an object with a boolean `allow`')
    },
  }
}
