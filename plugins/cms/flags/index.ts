/**
 * Feature flags for the cms: flagd's definition format, evaluated in-process into OFREP results.
 * Pure (no Fastify, no I/O): the cms service parses a flags namespace when it is published and
 * keeps the FlagSet in its cache; routes/ofrep.ts serves it.
 */
export { parseFlagDefinitions } from './definitions.ts'
export { evaluateAll, evaluateFlag } from './evaluate.ts'
export { parseContext, type EvaluationContext } from './context.ts'
export { FlagErrors, ofrepError } from './errors.ts'
export { bucketOf, hash32 } from './fractional.ts'
export { LIMITS } from './limits.ts'
export * from './types.ts'
