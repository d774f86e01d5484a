/**
 * Compiled policies per project, served from memory. Every process keeps its own copy and
 * recompiles when the key-value watch reports a change (from this DC or the other one), so a
 * decision never waits on etcd. A snapshot that does not compile (two DCs racing incompatible
 * uploads) never replaces the last good one: it is logged and the old policy keeps serving.
 */
import { compileModules, RegoErrors, type CompiledPolicy } from './rego/index.ts'
import { fromJs, type Value } from './rego/value.ts'
import type { PolicySnapshot, PolicyStore } from './store.ts'
import { PolicyErrors, type OpaErrorItem } from './errors.ts'

export interface CompiledProject {
  policy: CompiledPolicy
  data: Value
  snapshot: PolicySnapshot
  /** Whether a module declares `package system.log` (decision-log masking), decided once per compile. */
  hasLogMask: boolean
}

const LOG_MASK_PACKAGE = /^\s*package\s+system\.log\b/m

export function compileErrors(err: unknown): OpaErrorItem[] | undefined {
  if (err instanceof RegoErrors) return err.errors.map((e) => e.toJSON())
  return undefined
}

/** Compiles modules or throws the OPA-shaped 400 with every compile error. */
export function compileOrThrow(modules: Array<{ id: string; raw: string }>): CompiledPolicy {
  try {
    return compileModules({ files: Object.fromEntries(modules.map((m) => [m.id, m.raw])) })
  } catch (err) {
    const errors = compileErrors(err)
    if (errors) throw PolicyErrors.compile(errors)
    throw err
  }
}

export function createCompiledCache(deps: { store: PolicyStore; onCompileFailure: (projectId: string, err: unknown) => void }) {
  const entries = new Map<string, CompiledProject>()
  const loading = new Map<string, Promise<CompiledProject>>()

  async function load(projectId: string): Promise<CompiledProject> {
    const snapshot = await deps.store.snapshot(projectId)
    const current = entries.get(projectId)
    // Loads are serialised per project, but keep the guard: never go back to an older read.
    if (current && current.snapshot.revision > snapshot.revision) return current
    if (current && current.snapshot.etag === snapshot.etag) {
      const same = { ...current, snapshot }
      entries.set(projectId, same)
      return same
    }
    try {
      const compiled = {
        policy: compileOrThrow(snapshot.modules),
        data: fromJs(snapshot.data),
        snapshot,
        hasLogMask: snapshot.modules.some((m) => LOG_MASK_PACKAGE.test(m.raw)),
      }
      entries.set(projectId, compiled)
      return compiled
    } catch (err) {
      deps.onCompileFailure(projectId, err)
      if (current) return current
      throw err
    }
  }

  function reload(projectId: string): Promise<CompiledProject> {
    // One load at a time per project; a change during a load triggers another after it.
    const running = loading.get(projectId)
    const next = (running ?? Promise.resolve()).catch(() => {}).then(() => load(projectId))
    loading.set(projectId, next)
    next.finally(() => loading.get(projectId) === next && loading.delete(projectId)).catch(() => {})
    return next
  }

  return {
    async get(projectId: string): Promise<CompiledProject> {
      return entries.get(projectId) ?? loading.get(projectId) ?? reload(projectId)
    },
    /** Re-reads and recompiles now: used after this process's own writes (read-your-writes). */
    refresh: reload,
    /** A watch event: recompile in the background if this process has the project loaded. */
    invalidate(projectId: string) {
      if (entries.has(projectId)) reload(projectId).catch(() => {})
    },
    /** Every loaded project may be stale (a watch that was not open): recompile them all. */
    invalidateAll() {
      for (const projectId of entries.keys()) reload(projectId).catch(() => {})
    },
  }
}
