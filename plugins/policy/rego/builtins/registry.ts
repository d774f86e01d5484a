/** Collects every namespace module's definitions into one map; one place to add a module. */
import { AGGREGATE_BUILTINS } from './aggregates.ts'
import { AWS_BUILTINS } from './aws.ts'
import { COLLECTION_BUILTINS } from './collections.ts'
import { BuiltinError, type BuiltinDef } from './contract.ts'
import { COSTS } from './cost.ts'
import { ENCODING_BUILTINS } from './encoding.ts'
import { GLOB_BUILTINS } from './glob.ts'
import { GRAPH_BUILTINS } from './graph.ts'
import { HTTP_BUILTINS } from './http.ts'
import { GRAPHQL_BUILTINS } from './graphql.ts'
import { JWT_BUILTINS } from './jwt.ts'
import { JSON_BUILTINS } from './json.ts'
import { JSONSCHEMA_BUILTINS } from './jsonschema.ts'
import { MISC_BUILTINS } from './misc.ts'
import { NET_BUILTINS } from './net.ts'
import { NUMBER_BUILTINS } from './numbers.ts'
import { REGEX_BUILTINS } from './regex.ts'
import { RegoError } from '../errors.ts'
import { SEMVER_BUILTINS } from './semver.ts'
import { shallowBytes } from './sizes.ts'
import { SPRINTF_BUILTINS } from './sprintf.ts'
import { STRING_BUILTINS } from './strings.ts'
import { TEMPLATE_BUILTINS } from './template.ts'
import { TIME_BUILTINS } from './time.ts'
import { TYPE_BUILTINS } from './types.ts'
import { UNIT_BUILTINS } from './units.ts'
import { X509_BUILTINS } from './x509.ts'

/**
 * Built-ins only ever throw BuiltinError: anything else a library throws on odd input (a key
 * node:crypto rejects, a malformed AST) becomes an eval_builtin_error naming the built-in, which
 * OPA semantics then treat as undefined unless strict-builtin-errors is on. A RegoError is the
 * budget running out (eval_cancel_error) and passes through: it ends the evaluation.
 *
 * The budget is charged here, around every built-in: before the call with the built-in's
 * estimate (cost.ts), so the limits fire before the work; after it with the size of a result
 * that had no estimate, so no built-in can build values outside the memory budget for long.
 */
function guarded(d: BuiltinDef): BuiltinDef {
  const estimate = COSTS.get(d.name)
  const fn: BuiltinDef['fn'] = (args, ctx) => {
    let r
    try {
      if (estimate !== undefined && ctx.budget !== undefined) estimate(args, ctx.budget)
      r = d.fn(args, ctx)
    } catch (e) {
      if (e instanceof BuiltinError || e instanceof RegoError) throw e
      throw new BuiltinError('eval_builtin_error', `${d.name}: ${e instanceof Error ? e.message : String(e)}`)
    }
    if (estimate === undefined && r !== undefined && ctx.budget !== undefined && r.type !== 'boolean') ctx.budget.charge(0, shallowBytes(r))
    return r
  }
  return { ...d, fn }
}

export function registry(): Map<string, BuiltinDef> {
  const all: BuiltinDef[][] = [
    NUMBER_BUILTINS, AGGREGATE_BUILTINS, STRING_BUILTINS, SPRINTF_BUILTINS, TEMPLATE_BUILTINS, TYPE_BUILTINS,
    COLLECTION_BUILTINS, GRAPH_BUILTINS, ENCODING_BUILTINS, JSON_BUILTINS, JSONSCHEMA_BUILTINS, REGEX_BUILTINS,
    GLOB_BUILTINS, UNIT_BUILTINS, SEMVER_BUILTINS, TIME_BUILTINS, NET_BUILTINS, MISC_BUILTINS, JWT_BUILTINS,
    X509_BUILTINS, GRAPHQL_BUILTINS, AWS_BUILTINS, HTTP_BUILTINS,
  ]
  const m = new Map<string, BuiltinDef>()
  for (const defs of all) {
    for (const d of defs) {
      // Two modules claiming one name is a wiring mistake; fail at startup rather than shadow silently.
      if (m.has(d.name)) throw new Error(`built-in ${d.name} is defined twice`)
      m.set(d.name, guarded(d))
    }
  }
  return m
}
