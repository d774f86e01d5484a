/** Rego term text of a value, as OPA prints it in string interpolation and error messages. */
import { sortedEntries, sortedItems, toJsonText, type Value } from '../value.ts'

export function regoText(v: Value): string {
  switch (v.type) {
    case 'string':
      return JSON.stringify(v.value)
    case 'array':
      return '[' + v.items.map(regoText).join(', ') + ']'
    case 'set':
      return v.items.size === 0 ? 'set()' : '{' + sortedItems(v).map(regoText).join(', ') + '}'
    case 'object':
      return '{' + sortedEntries(v).map(([k, x]) => regoText(k) + ': ' + regoText(x)).join(', ') + '}'
    default:
      return toJsonText(v)
  }
}

/** Interpolation: top-level strings are inserted raw, everything else as Rego text. */
export function interpolationText(v: Value): string {
  return v.type === 'string' ? v.value : regoText(v)
}
