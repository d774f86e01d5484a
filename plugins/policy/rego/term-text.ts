/**
 * A value printed as Rego term text (`[1, "a"]`, `{"k": set()}`), as OPA prints values in error
 * messages, string interpolation and sprintf's %v. Only the quoting of strings differs between
 * those uses, so the caller passes it.
 */
import { sortedEntries, sortedItems, toJsonText, type Value } from './value.ts'

export function termText(v: Value, quote: (s: string) => string): string {
  const text = (x: Value): string => termText(x, quote)
  switch (v.type) {
    case 'string':
      return quote(v.value)
    case 'array':
      return '[' + v.items.map(text).join(', ') + ']'
    case 'set':
      return v.items.size === 0 ? 'set()' : '{' + sortedItems(v).map(text).join(', ') + '}'
    case 'object':
      return '{' + sortedEntries(v).map(([k, x]) => text(k) + ': ' + text(x)).join(', ') + '}'
    default:
      return toJsonText(v)
  }
}
