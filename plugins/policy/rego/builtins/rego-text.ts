/** Values printed as Rego terms, as OPA prints them in sprintf %v and error messages. */
import { sortedEntries, sortedItems, toJsonText, type Value } from '../value.ts'
import { goQuoteJson } from './go-text.ts'

export function regoText(v: Value): string {
  switch (v.type) {
    case 'string':
      return goQuoteJson(v.value).replace(/\\u003c/g, '<').replace(/\\u003e/g, '>').replace(/\\u0026/g, '&')
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
