/**
 * flagd's flag definition format, validated when a tenant publishes it:
 *
 *   { "$schema"?: "...", "metadata"?: { ... },
 *     "flags": { "<key>": { "state": "ENABLED" | "DISABLED", "variants": { "<name>": <value>, ... },
 *                           "defaultVariant": "<name>", "targeting"?: <JsonLogic>, "metadata"?: { ... } } },
 *     "$evaluators"?: { "<name>": <JsonLogic> } }
 *
 * Differences from flagd, all refusals at publish: every flag needs a `defaultVariant` (flagd lets a
 * null one defer to the code default); flag keys are `[A-Za-z0-9_][A-Za-z0-9_.:-]*` (they travel in
 * OFREP URLs unencoded); unknown members, `__proto__`/`constructor`/`prototype` keys and the sizes
 * past LIMITS are refused rather than ignored.
 */
import { definitionError } from './errors.ts'
import { copyJson, isPlainObject, pointer, type CopyBudget } from './json.ts'
import { FORBIDDEN_KEYS, LIMITS } from './limits.ts'
import { expandRule } from './rules.ts'
import type { FlagDefinition, FlagMetadata, FlagSet, FlagValue, FlagValueType } from './types.ts'

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/
const ROOT_MEMBERS = new Set(['$schema', 'flags', '$evaluators', 'metadata'])
const FLAG_MEMBERS = new Set(['state', 'variants', 'defaultVariant', 'targeting', 'metadata'])
const STATES = new Set(['ENABLED', 'DISABLED'])

const fail = (at: string, problem: string): never => {
  throw definitionError(at, problem)
}

function object(v: unknown, at: string, what: string): Record<string, unknown> {
  if (!isPlainObject(v)) fail(at, `${what} must be a JSON object`)
  return v as Record<string, unknown>
}

function onlyMembers(obj: Record<string, unknown>, allowed: Set<string>, at: string) {
  for (const k of Object.keys(obj)) if (!allowed.has(k)) fail(pointer(at, k), `unknown member "${k}" (allowed: ${[...allowed].join(', ')})`)
}

function name(k: string, at: string, what: string) {
  if (k.length === 0 || k.length > LIMITS.maxNameLength) fail(at, `${what} must be 1 to ${LIMITS.maxNameLength} characters`)
  if (FORBIDDEN_KEYS.has(k)) fail(at, `"${k}" cannot be used as ${what}`)
}

function metadata(raw: unknown, at: string): FlagMetadata {
  if (raw === undefined) return Object.freeze({})
  const obj = object(raw, at, 'metadata')
  const keys = Object.keys(obj)
  if (keys.length > LIMITS.maxMetadataEntries) fail(at, `more than ${LIMITS.maxMetadataEntries} metadata entries`)
  const out: Record<string, string | number | boolean> = {}
  for (const k of keys) {
    name(k, pointer(at, k), 'a metadata key')
    const v = obj[k]
    if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) {
      fail(pointer(at, k), 'metadata values are strings, numbers or booleans (OFREP metadata is flat)')
    }
    out[k] = v as string | number | boolean
  }
  return Object.freeze(out)
}

function typeOf(v: FlagValue): FlagValueType {
  if (typeof v === 'boolean') return 'boolean'
  if (typeof v === 'string') return 'string'
  return typeof v === 'number' ? 'number' : 'object'
}

function variants(raw: unknown, at: string, budget: CopyBudget): { values: Map<string, FlagValue>; type: FlagValueType } {
  const obj = object(raw, at, 'variants')
  const names = Object.keys(obj)
  if (names.length === 0 || names.length > LIMITS.maxVariants) fail(at, `a flag has 1 to ${LIMITS.maxVariants} variants`)
  const values = new Map<string, FlagValue>()
  let first: { name: string; type: FlagValueType } | undefined
  for (const n of names) {
    const where = pointer(at, n)
    name(n, where, 'a variant name')
    if (obj[n] === null) fail(where, 'a variant value cannot be null')
    const value = copyJson(obj[n], where, { maxDepth: LIMITS.maxValueDepth, budget, freeze: true, fail, tooLarge: `the set has more than ${LIMITS.maxSetNodes} nodes` }) as FlagValue
    const type = typeOf(value)
    first ??= { name: n, type }
    if (type !== first.type) fail(where, `variant "${n}" is ${type === 'object' ? 'an object' : `a ${type}`} but "${first.name}" is ${first.type === 'object' ? 'an object' : `a ${first.type}`}; the variants of a flag share one type`)
    values.set(n, value)
  }
  return { values, type: first!.type }
}

function flag(key: string, raw: unknown, at: string, ctx: { evaluators: Record<string, unknown>; setMetadata: FlagMetadata; budget: CopyBudget; clock: { used: boolean } }): FlagDefinition {
  if (!KEY.test(key) || key.length > LIMITS.maxNameLength || FORBIDDEN_KEYS.has(key)) {
    fail(at, `flag keys are 1 to ${LIMITS.maxNameLength} characters of letters, digits, "_", ".", ":" and "-", not starting with a punctuation mark`)
  }
  const def = object(raw, at, 'a flag')
  onlyMembers(def, FLAG_MEMBERS, at)
  if (typeof def.state !== 'string' || !STATES.has(def.state)) fail(pointer(at, 'state'), `state must be "ENABLED" or "DISABLED", not ${JSON.stringify(def.state) ?? 'missing'}`)
  const { values, type } = variants(def.variants, pointer(at, 'variants'), ctx.budget)
  const defaultVariant = def.defaultVariant
  if (typeof defaultVariant !== 'string' || !values.has(defaultVariant)) {
    const known = [...values.keys()].slice(0, 10).map((v) => JSON.stringify(v)).join(', ')
    fail(pointer(at, 'defaultVariant'), `defaultVariant ${JSON.stringify(defaultVariant) ?? 'is missing; it'} must name one of the variants (${known}${values.size > 10 ? ', ...' : ''})`)
  }
  let targeting: unknown
  if (def.targeting !== undefined) {
    const where = pointer(at, 'targeting')
    const rule = object(def.targeting, where, 'targeting')
    if (Object.keys(rule).length > 0) {
      const scope = { evaluators: ctx.evaluators, root: where, nodes: LIMITS.maxTargetingNodes, timeDependent: false, inlining: [] }
      targeting = expandRule(rule, where, scope)
      ctx.budget.nodes -= LIMITS.maxTargetingNodes - scope.nodes
      if (ctx.budget.nodes < 0) fail(where, `the set has more than ${LIMITS.maxSetNodes} nodes once $refs are inlined`)
      if (scope.timeDependent) ctx.clock.used = true
    }
  }
  const own = metadata(def.metadata, pointer(at, 'metadata'))
  return Object.freeze({
    key,
    state: def.state as FlagDefinition['state'],
    type,
    variants: values,
    defaultVariant: defaultVariant as string,
    targeting,
    metadata: Object.freeze({ ...ctx.setMetadata, ...own }),
  })
}

/**
 * Validates a published definition document (parsed JSON, or its text) into a FlagSet. Throws
 * CMS_FLAGS_INVALID_DEFINITION (422) naming the JSON pointer of the first problem.
 */
export function parseFlagDefinitions(json: unknown): FlagSet {
  let doc = json
  if (typeof json === 'string') {
    try {
      doc = JSON.parse(json)
    } catch (err) {
      fail('', `not JSON (${(err as Error).message})`)
    }
  }
  const root = object(doc, '', 'the flag definitions')
  onlyMembers(root, ROOT_MEMBERS, '')
  if (root.$schema !== undefined && typeof root.$schema !== 'string') fail('/$schema', '$schema must be a string')
  const evaluators = root.$evaluators === undefined ? {} : object(root.$evaluators, '/$evaluators', '$evaluators')
  const clock = { used: false }
  for (const n of Object.keys(evaluators)) {
    name(n, pointer('/$evaluators', n), 'an evaluator name')
    // Checked on their own too, so a mistake in an evaluator no flag uses yet is still refused.
    const where = pointer('/$evaluators', n)
    expandRule(evaluators[n], where, { evaluators, root: where, nodes: LIMITS.maxTargetingNodes, timeDependent: false, inlining: [n] })
  }
  const setMetadata = metadata(root.metadata, '/metadata')
  const raw = object(root.flags, '/flags', 'flags')
  const keys = Object.keys(raw)
  if (keys.length > LIMITS.maxFlags) fail('/flags', `more than ${LIMITS.maxFlags} flags`)
  const budget: CopyBudget = { nodes: LIMITS.maxSetNodes }
  const flags = new Map<string, FlagDefinition>()
  for (const key of keys) flags.set(key, flag(key, raw[key], pointer('/flags', key), { evaluators, setMetadata, budget, clock }))
  return Object.freeze({ flags, metadata: setMetadata, timeDependent: clock.used })
}
