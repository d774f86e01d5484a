/**
 * The gateway's `authorize` facade backed by Rego, and the one owner of everything it needs: the
 * shipped `data.dyad.authz` policy, each project's replacement of it (compiled once, dropped by
 * `invalidate`), and the scope rule that picks between them. The role rules themselves live in
 * the policy only.
 *
 * Scope rule: platform-scoped actions (and requests without a project) are always decided by the
 * shipped policy, so a project's replacement can never lock platform admins out of the platform
 * API, including the route that fixes it. Every other action in a project uses the project's
 * replacement when it has one.
 *
 * Fails closed: a policy that cannot be read or compiled, errors, times out or returns anything
 * but {"allow": true, ...} is a denial, and the error is logged. A failing role lookup is not a
 * policy answer: it propagates, and the gateway answers it as the internal error it is.
 *
 * Synchronous when it can be: with the role known in memory and the project's policy compiled,
 * `authorize` returns a Decision without creating a promise.
 */
import { readFileSync } from 'node:fs'
import type { ActionCatalog, Authorizer, Decision } from '../../../src/contracts/authorization.ts'
import type { Principal, ProjectRole, Resource } from '../../../src/contracts/principal.ts'
import { compileModules } from '../rego/index.ts'
import { fromJs, toJs } from '../rego/value.ts'
import { compileOrThrow } from '../compiled.ts'
import { PolicyErrors } from '../errors.ts'
import type { PolicyStore } from '../store.ts'
import { prepareAuthzPolicy, type AuthzPolicy } from './authz-policy.ts'
import type { DecisionCacheStats } from './decision-cache.ts'
import type { LastKnownAuthz } from './last-known.ts'
import { KvErrors } from '../../../src/infra/kv/errors.ts'

export const SHIPPED_AUTHZ = readFileSync(new URL('./authz.rego', import.meta.url), 'utf8')
const BUDGET = { timeoutMs: 100, maxSteps: 1_000_000 }
/** Per compiled policy. An entry is ~200 bytes of key plus a shared frozen decision. */
const DEFAULT_CACHE_SIZE = 10_000

/** Who holds which role in a project. May answer synchronously (an in-memory directory) or not. */
export interface RoleDirectory {
  roleOf(projectId: string, subject: string): ProjectRole | null | Promise<ProjectRole | null>
}

export interface RegoAuthorizer extends Authorizer {
  authorize(principal: Principal, action: string, resource: Resource): Decision | Promise<Decision>
  /** A project's replacement changed (from either DC): drop its compile and its cached decisions. */
  invalidate(projectId: string): void
  /** Drops every compiled replacement (a watch that was not open may have missed changes). */
  invalidateAll(): void
  /** The project is gone: drop its replacement here and in the last-known-good snapshot. */
  forget(projectId: string): void
  /** Compiles a candidate replacement and checks it answers a sample request with the right shape. */
  validateReplacement(raw: string): void
  /** Decision-cache counters summed over the shipped policy and every loaded replacement. */
  cacheStats(): DecisionCacheStats
}

export interface RegoAuthorizerDeps {
  /** The assembled action catalog (every domain's slice), read by the policy as data.dyad.actions. */
  catalog: ActionCatalog
  roles: RoleDirectory
  store: Pick<PolicyStore, 'getAuthzOverride'>
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void }
  /** Replacements as last read, used only while the store is unreachable (see last-known.ts). */
  lastKnown?: LastKnownAuthz
  /** Decisions cached per compiled policy (0 turns the cache off; default 10,000). */
  decisionCacheSize?: number
}

type Loaded = AuthzPolicy | null

const isPromise = <T>(x: T | Promise<T>): x is Promise<T> => typeof (x as { then?: unknown } | null)?.then === 'function'

export function createRegoAuthorizer(deps: RegoAuthorizerDeps): RegoAuthorizer {
  const catalog = deps.catalog
  const prepare = { data: fromJs({ dyad: { actions: catalog } }), budget: BUDGET, cacheSize: deps.decisionCacheSize ?? DEFAULT_CACHE_SIZE }
  const shipped = prepareAuthzPolicy(compileModules({ files: { 'dyad/authz.rego': SHIPPED_AUTHZ } }), prepare)
  /** A project's replacement (null: none), or its load in flight. */
  const overrides = new Map<string, Loaded | Promise<Loaded>>()

  /** The project's replacement from the store; while the store is unreachable, the last one read. */
  function read(projectId: string): Promise<string | undefined> {
    const lastKnown = deps.lastKnown
    return deps.store.getAuthzOverride(projectId).then(
      (raw) => {
        lastKnown?.remember(projectId, raw ?? null)
        return raw
      },
      (err) => {
        const known = KvErrors.unavailable.is(err) ? lastKnown?.recall(projectId) : undefined
        if (known === undefined) throw err
        deps.log.warn({ projectId }, 'key-value store unreachable: deciding with the last-known authorization policy of the project')
        return known ?? undefined
      },
    )
  }

  function load(projectId: string): Promise<Loaded> {
    const p: Promise<Loaded> = read(projectId).then((raw) =>
      raw ? prepareAuthzPolicy(compileModules({ files: { [`authz/${projectId}.rego`]: raw } }), prepare) : null,
    )
    overrides.set(projectId, p)
    // Only the load that is still current may settle the entry: an invalidate during the read
    // has already removed it, and the next request reads again.
    p.then(
      (v) => overrides.get(projectId) === p && overrides.set(projectId, v),
      () => overrides.get(projectId) === p && overrides.delete(projectId),
    )
    return p
  }

  function policyFor(projectId: string | undefined, action: string): AuthzPolicy | Promise<AuthzPolicy> {
    if (!projectId || catalog[action]?.scope === 'platform') return shipped
    const entry = overrides.has(projectId) ? overrides.get(projectId)! : load(projectId)
    if (isPromise(entry)) return entry.then((v) => v ?? shipped)
    return entry ?? shipped
  }

  function failClosed(err: unknown, principal: Principal, action: string, resource: Resource): Decision {
    deps.log.error({ err, action, projectId: resource.projectId, subject: principal.subject }, 'authorization policy failed; denying')
    return { allow: false, reason: 'authorization policy error' }
  }

  function decide(policy: AuthzPolicy, principal: Principal, role: ProjectRole | null, action: string, resource: Resource): Decision {
    try {
      return policy.decide({ principal: { ...principal, role }, project: resource.projectId ?? null, action, resource })
    } catch (err) {
      return failClosed(err, principal, action, resource)
    }
  }

  function decideWithRole(principal: Principal, role: ProjectRole | null, action: string, resource: Resource): Decision | Promise<Decision> {
    const policy = policyFor(resource.projectId, action)
    if (!isPromise(policy)) return decide(policy, principal, role, action, resource)
    return policy.then(
      (p) => decide(p, principal, role, action, resource),
      (err) => failClosed(err, principal, action, resource),
    )
  }

  return {
    authorize(principal, action, resource) {
      const projectId = resource.projectId
      const role = projectId ? deps.roles.roleOf(projectId, principal.subject) : null
      if (isPromise(role)) return role.then((r) => decideWithRole(principal, r, action, resource))
      return decideWithRole(principal, role, action, resource)
    },
    invalidate(projectId) {
      overrides.delete(projectId)
    },
    invalidateAll() {
      overrides.clear()
    },
    forget(projectId) {
      overrides.delete(projectId)
      deps.lastKnown?.forget(projectId)
    },
    validateReplacement(raw) {
      if (!/^\s*package\s+dyad\.authz\s*$/m.test(raw)) throw PolicyErrors.invalidParameter('the replacement must declare `package dyad.authz`')
      const policy = prepareAuthzPolicy(compileOrThrow([{ id: 'authz.rego', raw }]), { ...prepare, cacheSize: 0 })
      const sample = { principal: { subject: 's', via: 'api-key', projectScope: null, platformAdmin: false, role: 'project-user' }, project: 'p', action: 'project.read', resource: { type: 'project', projectId: 'p' } }
      let out: unknown
      try {
        out = toJs(policy.evaluate(fromJs(sample)) ?? fromJs(null))
      } catch (err) {
        throw PolicyErrors.invalidParameter(`the replacement fails on a sample request: ${(err as Error).message}`)
      }
      const shape = out as { allow?: unknown } | null
      if (!shape || typeof shape.allow !== 'boolean') throw PolicyErrors.invalidParameter('data.dyad.authz.decision must be an object with a boolean `allow`')
    },
    cacheStats() {
      const stats = { hits: 0, misses: 0, size: 0 }
      for (const p of [shipped, ...overrides.values()]) {
        if (!p || isPromise(p) || !p.cache) continue
        stats.hits += p.cache.hits
        stats.misses += p.cache.misses
        stats.size += p.cache.size
      }
      return stats
    },
  }
}
