/**
 * The policy domain's facade: OPA's Data, Policy and Query APIs per project, bundles, decision
 * logs. No Fastify here. Decisions are evaluated in-process against the compiled cache; writes go
 * to the key-value store after the candidate policy set compiles, so a bad upload never replaces
 * the good one.
 */
import { evaluate, RegoError, type BudgetOptions, type TraceEvent } from './rego/index.ts'
import { fromJs, toJs, toJsonText, toJsonTexts, type Value } from './rego/value.ts'
import type { CompiledPolicy } from './rego/index.ts'
import { compileOrThrow, createCompiledCache, type CompiledProject } from './compiled.ts'
import type { DecisionEvent, DecisionLog } from './decision-log.ts'
import { applyMask } from './decision-mask.ts'
import { deleteAt, getAt, patchAt, putAt, type PatchOp } from './data-doc.ts'
import { PolicyErrors } from './errors.ts'
import type { PolicyStore } from './store.ts'
import { KvErrors } from '../../src/infra/kv/errors.ts'
import type { AccessCondition, FilterRequest } from '../../src/contracts/filter.ts'
import { compileCondition, parseUnknown } from './filter/index.ts'
import { toOpaCompileResult } from './filter/opa-queries.ts'
import { compileTarget } from './filter/compile-query.ts'
import { findNode } from './rego/compiler/tree.ts'
import { RAG_READ_POLICY_ID, ragReadPolicySource } from './authz/rag-read.ts'

/** Pause between attempts to open the policy watch when the store was unreachable at start. */
const WATCH_RETRY_MS = 1_000

export interface PolicyLimits {
  maxModuleBytes: number
  maxModules: number
  budget: BudgetOptions
}

export interface DecisionOptions {
  input?: unknown
  strict?: boolean
  /**
   * `notes`: trace()/print() output in `notes`. `fails` / `full`: OPA trace events in `events`
   * (failed expressions with their query lineage, or everything), capped at 10,000 events.
   */
  explain?: 'notes' | 'fails' | 'full'
  subject: string
}

export interface Decision {
  decisionId: string
  /** JSON text of the result, exact for big integers; undefined when the document is undefined. */
  resultJson?: string
  notes: string[]
  /** Trace events for `explain: 'fails' | 'full'`. */
  events?: TraceEvent[]
  /** Evaluation alone: without converting the input and without compiling the query. */
  evalNs: number
  /** Converting the input document into Rego values. */
  inputParseNs: number
  /** Parsing and compiling the query; absent when the compiled query was cached. */
  queryCompileNs?: number
}

const MAX_CACHED_QUERIES = 10_000

/** `a/b/c` or [] -> a Rego reference `data["a"]["b"]["c"]` that cannot inject syntax. */
export function dataRef(path: string[]): string {
  return 'data' + path.map((s) => `[${JSON.stringify(s)}]`).join('')
}

/** dataRef for decisions, remembered by `key`, the path as JSON (bounded: callers choose their paths). */
const decisionRefs = new Map<string, string>()
function decisionRef(path: string[], key: string): string {
  let ref = decisionRefs.get(key)
  if (ref === undefined) {
    if (decisionRefs.size >= MAX_CACHED_QUERIES) decisionRefs.clear()
    decisionRefs.set(key, (ref = dataRef(path)))
  }
  return ref
}

/**
 * A decision-log event as JSON text, masked by the project's `data.system.log.mask` rules. Without
 * rules (the common case) the result's text is spliced in as it is, not parsed and written again.
 * (Inputs come from bodies the gateway bounds at 100 levels of nesting, well within what
 * JSON.stringify can write.)
 */
function eventJson(compiled: CompiledProject, event: DecisionEvent, resultJson: string | undefined): string {
  if (compiled.hasLogMask) {
    if (resultJson !== undefined) event.result = JSON.parse(resultJson)
    applyMask(compiled, event)
    return JSON.stringify(event)
  }
  const text = JSON.stringify(event)
  return resultJson === undefined ? text : `${text.slice(0, -1)},"result":${resultJson}}`
}

export interface PolicyServiceDeps {
  store: PolicyStore
  decisions: DecisionLog
  dc: string
  limits: PolicyLimits
  log: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void; info(obj: object, msg: string): void }
  /** Told of every decision: evaluation time and whether it failed (for metrics). */
  onDecision?(evalNs: number, failed: boolean): void
}

export function createPolicyService(deps: PolicyServiceDeps) {
  const { store, limits } = deps
  const cache = createCompiledCache({
    store,
    onCompileFailure: (projectId, err) => deps.log.error({ projectId, err }, 'policy snapshot does not compile; keeping the last good one'),
  })

  function evalErrors(err: unknown): never {
    if (err instanceof RegoError) throw PolicyErrors.evaluation([err.toJSON()])
    throw err
  }

  function checkModuleSize(id: string, raw: string) {
    if (Buffer.byteLength(raw) > limits.maxModuleBytes) throw PolicyErrors.tooLarge(`policy ${id} is larger than ${limits.maxModuleBytes} bytes`)
  }

  async function decide(projectId: string, path: string[], opts: DecisionOptions): Promise<Decision> {
    const compiled = await cache.get(projectId)
    // The engine memoises each distinct query text; callers choose the path, so bound the memo.
    if (compiled.policy.queries.size > MAX_CACHED_QUERIES) compiled.policy.queries.clear()
    const started = process.hrtime.bigint()
    let outcome: ReturnType<typeof evaluate> | undefined
    let resultJson: string | undefined
    let failure: unknown
    let inputParseNs = 0
    const joined = path.join('/')
    // Not `joined` as the memo's key: a segment may hold a '/' (a decoded `%2F`).
    const refKey = JSON.stringify(path)
    try {
      const input = opts.input === undefined ? undefined : fromJs(opts.input)
      inputParseNs = Number(process.hrtime.bigint() - started)
      outcome = evaluate(compiled.policy, {
        path: decisionRef(path, refKey),
        input,
        data: compiled.data,
        strict: opts.strict,
        budget: limits.budget,
        trace: opts.explain === 'fails' || opts.explain === 'full' ? opts.explain : undefined,
      })
      // Writing the result out can fail too (a value too large for its text): the policy's fault, like the evaluation's.
      resultJson = outcome.result === undefined ? undefined : toJsonText(outcome.result)
    } catch (err) {
      outcome = undefined
      failure = err
    }
    const evalNs = Number(process.hrtime.bigint() - started) - inputParseNs - (outcome?.queryCompileNs ?? 0)
    const decisionId = deps.decisions.record(projectId, (decisionId) =>
      eventJson(compiled, {
        decision_id: decisionId,
        path: joined,
        input: opts.input,
        revision: compiled.snapshot.revision,
        timestamp: new Date().toISOString(),
        dc: deps.dc,
        subject: opts.subject,
        metrics: { timer_rego_query_eval_ns: evalNs },
        ...(failure ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
      }, resultJson),
    )
    deps.onDecision?.(evalNs, failure !== undefined)
    if (failure) evalErrors(failure)
    return {
      decisionId,
      resultJson,
      notes: opts.explain === 'notes' ? outcome!.notes : [],
      ...(outcome!.events ? { events: outcome!.events } : {}),
      evalNs,
      inputParseNs,
      ...(outcome!.queryCompileNs !== undefined ? { queryCompileNs: outcome!.queryCompileNs } : {}),
    }
  }

  /** Shipped fallback modules of other domains, compiled once per source text. */
  const fallbacks = new Map<string, CompiledPolicy>()
  const EMPTY_DATA: Value = fromJs({})

  return {
    decide,

    /**
     * A custom health check, OPA's `data.system.health.<path>`: true, another value, undefined,
     * or the evaluation's error message. Not a decision: nothing is logged.
     */
    async healthCheck(projectId: string, path: string[]): Promise<{ defined: boolean; healthy: boolean; error?: string }> {
      const compiled = await cache.get(projectId)
      try {
        const out = evaluate(compiled.policy, { path: dataRef(['system', 'health', ...path]), data: compiled.data, budget: limits.budget }).result
        return { defined: out !== undefined, healthy: out?.type === 'boolean' && out.value }
      } catch (err) {
        return { defined: true, healthy: false, error: err instanceof Error ? err.message : String(err) }
      }
    },

    /** The PolicyDecider contract (src/contracts/policy.ts): other domains' decisions, no decision log. */
    async evaluateWithFallback(projectId: string, path: string[], input: unknown, fallback: { id: string; raw: string }): Promise<unknown> {
      const compiled = await cache.get(projectId)
      const run = (policy: CompiledPolicy, data: Value) => {
        try {
          return evaluate(policy, { path: dataRef(path), input: fromJs(input), data, budget: limits.budget }).result
        } catch (err) {
          return evalErrors(err)
        }
      }
      let out = run(compiled.policy, compiled.data)
      if (out === undefined) {
        let fb = fallbacks.get(fallback.raw)
        if (!fb) fallbacks.set(fallback.raw, (fb = compileOrThrow([fallback])))
        out = run(fb, EMPTY_DATA)
      }
      return out === undefined ? undefined : toJs(out)
    },

    /**
     * The FilterCompiler contract (src/contracts/filter.ts): the condition on `req.unknowns[0]`
     * under which the rule at `req.path` is true. A project without a `dyad.rag` package gets
     * the shipped rag-read policy, as its decisions do (evaluateWithFallback).
     */
    async compileFilter(projectId: string, req: FilterRequest): Promise<AccessCondition> {
      if (typeof req.path !== 'string' || !Array.isArray(req.unknowns) || req.unknowns.length !== 1 || typeof req.unknowns[0] !== 'string') {
        throw PolicyErrors.invalidParameter('a filter needs a rule path and exactly one unknown')
      }
      const path = req.path.split('/').filter((s) => s !== '')
      const compiled = await cache.get(projectId)
      let policy = compiled.policy
      let data = compiled.data
      if (!findNode(policy.root, ['dyad', 'rag'])?.pkg) {
        const raw = ragReadPolicySource()
        let fb = fallbacks.get(raw)
        if (!fb) fallbacks.set(raw, (fb = compileOrThrow([{ id: RAG_READ_POLICY_ID, raw }])))
        policy = fb
        data = EMPTY_DATA
      }
      return compileCondition(policy, data, { path, input: req.input, unknown: req.unknowns[0], budget: limits.budget })
    },

    /**
     * OPA's Compile API (`POST /v1/compile`) for what partial evaluation here supports: a query
     * naming one rule (`data.p.allow` or `data.p.allow == true`) and one unknown under input.
     * The result is OPA's `{queries}` (no `support`: see filter/opa-queries.ts).
     */
    async compile(projectId: string, body: { query: string; input?: unknown; unknowns?: string[] }) {
      const unknowns = body.unknowns ?? ['input']
      if (unknowns.length !== 1) throw PolicyErrors.partialUnsupported('partial evaluation here supports exactly one unknown')
      const unknown = parseUnknown(unknowns[0])
      const path = compileTarget(body.query)
      const compiled = await cache.get(projectId)
      const cond = compileCondition(compiled.policy, compiled.data, { path, input: body.input, unknown: unknowns[0], budget: limits.budget })
      return toOpaCompileResult(cond, unknown)
    },

    async query(projectId: string, query: string, input: unknown, strict: boolean): Promise<string> {
      const compiled = await cache.get(projectId)
      if (compiled.policy.queries.size > MAX_CACHED_QUERIES) compiled.policy.queries.clear()
      try {
        const { bindings } = evaluate(compiled.policy, { query, input: input === undefined ? undefined : fromJs(input), data: compiled.data, strict, budget: limits.budget })
        // One response for every binding: their text is bounded together (see toJsonTexts).
        const texts = toJsonTexts(bindings.flatMap((b) => Object.values(b)))
        let i = 0
        return '[' + bindings.map((b) => '{' + Object.keys(b).map((k) => `${JSON.stringify(k)}:${texts[i++]}`).join(',') + '}').join(',') + ']'
      } catch (err) {
        // Parse and compile errors (rego_*) as OPA answers them, with their list; an evaluation
        // error (eval_*: a conflict, a budget) names its kind in the message.
        const errors = err instanceof RegoError ? (err.code.startsWith('rego_') ? [err] : undefined) : (err as { errors?: RegoError[] }).errors
        if (Array.isArray(errors)) throw PolicyErrors.query(errors.map((e) => e.toJSON()))
        if (err instanceof RegoError) throw PolicyErrors.invalidParameter(`${err.code}: ${err.detail}`)
        throw err
      }
    },

    async listPolicies(projectId: string) {
      return (await cache.get(projectId)).snapshot.modules
    },

    async getPolicy(projectId: string, id: string) {
      const m = (await cache.get(projectId)).snapshot.modules.find((x) => x.id === id)
      if (!m) throw PolicyErrors.notFound(`policy id ${JSON.stringify(id)}`)
      return m
    },

    async putPolicy(projectId: string, id: string, raw: string): Promise<CompiledProject> {
      checkModuleSize(id, raw)
      const current = await cache.refresh(projectId)
      const others = current.snapshot.modules.filter((m) => m.id !== id)
      if (others.length + 1 > limits.maxModules) throw PolicyErrors.tooLarge(`a project holds at most ${limits.maxModules} policies`)
      compileOrThrow([...others, { id, raw }])
      await store.putModule(projectId, id, raw)
      return cache.refresh(projectId)
    },

    async deletePolicy(projectId: string, id: string) {
      const current = await cache.refresh(projectId)
      if (!current.snapshot.modules.some((m) => m.id === id)) throw PolicyErrors.notFound(`policy id ${JSON.stringify(id)}`)
      // Refuse a delete that breaks the remaining modules, as OPA does.
      compileOrThrow(current.snapshot.modules.filter((m) => m.id !== id))
      await store.deleteModule(projectId, id)
      await cache.refresh(projectId)
    },

    async getData(projectId: string, path: string[]) {
      return getAt((await cache.get(projectId)).snapshot.data as any, path)
    },

    /** Returns false when `ifNoneMatch` is set and a document exists (OPA answers 304 then). */
    async putData(projectId: string, path: string[], value: unknown, ifNoneMatch: boolean): Promise<boolean> {
      let written = true
      await store.updateData(projectId, (doc) => {
        written = !(ifNoneMatch && getAt(doc as any, path) !== undefined)
        return written ? putAt(doc as any, path, value as any) : doc
      })
      await cache.refresh(projectId)
      return written
    },

    async patchData(projectId: string, path: string[], ops: PatchOp[]) {
      await store.updateData(projectId, (doc) => patchAt(doc as any, path, ops))
      await cache.refresh(projectId)
    },

    async deleteData(projectId: string, path: string[]) {
      await store.updateData(projectId, (doc) => {
        const next = deleteAt(doc as any, path)
        if (!next) throw PolicyErrors.notFound(`storage_not_found_error: /${path.join('/')}`)
        return next
      })
      await cache.refresh(projectId)
    },

    /** Replaces the project's policies and data with a bundle's, after the bundle compiles. */
    async importBundle(projectId: string, bundle: { modules: Array<{ path: string; raw: string }>; data: Record<string, unknown> }) {
      const modules = bundle.modules.map((m) => ({ id: m.path, raw: m.raw }))
      if (modules.length > limits.maxModules) throw PolicyErrors.tooLarge(`a project holds at most ${limits.maxModules} policies`)
      for (const m of modules) checkModuleSize(m.id, m.raw)
      compileOrThrow(modules)
      await store.replaceAll(projectId, modules, bundle.data)
      return (await cache.refresh(projectId)).snapshot
    },

    /** The current snapshot (for serving the project as an OPA bundle). */
    async snapshot(projectId: string) {
      return (await cache.get(projectId)).snapshot
    },

    /**
     * Subscribe to changes from both DCs; `onAuthzChange` hears about authorization-policy
     * replacements. A store that cannot be reached at start does not stop the process (it serves
     * what it can, as the cms domain does from its snapshot): the watch is opened in the background,
     * retried every second, and once open every loaded project is re-read (`onResync`), since
     * changes made in the meantime were never seen.
     */
    async start(onAuthzChange: (projectId: string) => void, onResync: () => void = () => {}) {
      const open = () =>
        store.watch(
          (projectId, kind) => (kind === 'authz' ? onAuthzChange(projectId) : cache.invalidate(projectId)),
          (err) => deps.log.warn({ err }, 'policy watch error; retrying'),
        )
      let watch: Awaited<ReturnType<typeof open>> | undefined
      let stopped = false
      let timer: NodeJS.Timeout | undefined
      try {
        watch = await open()
      } catch (err) {
        if (!KvErrors.unavailable.is(err)) throw err
        deps.log.warn({ err }, 'key-value store unreachable at start: policy changes are watched once it answers')
        const retry = () => {
          timer = undefined
          open().then(
            (w) => {
              if (stopped) return void w.cancel().catch(() => {})
              watch = w
              deps.log.info({}, 'policy watch open; re-reading loaded policies')
              cache.invalidateAll()
              onResync()
            },
            () => {
              if (!stopped) timer = setTimeout(retry, WATCH_RETRY_MS).unref()
            },
          )
        }
        timer = setTimeout(retry, WATCH_RETRY_MS).unref()
      }
      return {
        async cancel() {
          stopped = true
          clearTimeout(timer)
          await watch?.cancel()
        },
      }
    },
  }
}

export type PolicyService = ReturnType<typeof createPolicyService>
