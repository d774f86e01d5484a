/**
 * Refuses JSON bodies nested deeper than MAX_DEPTH. JSON.parse copes with deep nesting, but every
 * later recursive step (schema validation, cloning, Rego value conversion, storage drivers) could
 * overflow the stack on a hostile `[[[[...]]]]`; one check up front keeps that a clean 400.
 */
import { Errors } from './errors.ts'

export const MAX_BODY_DEPTH = 100

/** Depth of a parsed JSON value, counting only containers; stops early past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_BODY_DEPTH): number {
  let max = 0
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length) {
    const [v, d] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    const depth = d + 1
    if (depth > max) max = depth
    if (max > limit) return max
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth])
  }
  return max
}

export function assertBodyDepth(body: unknown) {
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && jsonDepth(body) > MAX_BODY_DEPTH) {
    throw Errors.bodyTooDeep(`The JSON body is nested more than ${MAX_BODY_DEPTH} levels deep.`)
  }
}
