/** Values printed as Rego terms, as OPA prints them in sprintf %v: strings in Go's quoting. */
import { termText } from '../term-text.ts'
import type { Value } from '../value.ts'
import { goQuoteJson } from './go-text.ts'

const goQuote = (s: string) => goQuoteJson(s).replace(/\\u003c/g, '<').replace(/\\u003e/g, '>').replace(/\\u0026/g, '&')

export function regoText(v: Value): string {
  return termText(v, goQuote)
}
