/** Rego term text of a value, as OPA prints it in string interpolation and error messages. */
import { termText } from '../term-text.ts'
import type { Value } from '../value.ts'

export function regoText(v: Value): string {
  return termText(v, JSON.stringify)
}

/** Interpolation: top-level strings are inserted raw, everything else as Rego text. */
export function interpolationText(v: Value): string {
  return v.type === 'string' ? v.value : regoText(v)
}
