/**
 * Spring Cloud Config's file views of an Environment (`{application}-{profile}.properties`, `.yml`,
 * `.yaml`, `.json`), as its EnvironmentController renders them:
 *
 * - the property sources merged, most specific winning; an indexed key (`a.b[0]`) takes its whole
 *   list from the most specific source that has it, so lists are replaced, never spliced;
 *   `spring.profiles` is dropped;
 * - `${key}` and `${key:default}` placeholders resolved against the merged properties (unless
 *   `resolvePlaceholders=false`); an unresolvable one is left as written, as Spring does. Spring
 *   also resolves against the server's own system properties and environment: Dyad does not;
 * - `.properties`: `key: value` lines in key order, unescaped (Spring's format, not
 *   Properties.store's); `.json` and `.yml`: the keys nested back along dots and indexes. Values are
 *   strings (`port: "8080"`), where Spring's server keeps a YAML source's numbers and booleans.
 */
import { serialize, unflatten } from '../formats/index.ts'
import type { SpringEnvironment } from './environment.ts'

const valueOf = (v: string | { value: string }) => (typeof v === 'string' ? v : v.value)

/** The merged key -> value map, in key order. */
export function mergeProperties(env: SpringEnvironment): Map<string, string> {
  const plain = new Map<string, string>()
  const lists = new Map<string, Map<string, string>>()
  for (const { source } of [...env.propertySources].reverse()) {
    const here = new Map<string, Map<string, string>>()
    for (const key of Object.keys(source)) {
      const bracket = key.indexOf('[')
      if (bracket < 0) {
        plain.set(key, valueOf(source[key]!))
        continue
      }
      const stem = key.slice(0, bracket)
      let group = here.get(stem)
      if (!group) here.set(stem, (group = new Map()))
      group.set(key, valueOf(source[key]!))
    }
    for (const [stem, group] of here) lists.set(stem, group)
  }
  for (const group of lists.values()) for (const [k, v] of group) plain.set(k, v)
  plain.delete('spring.profiles')
  return new Map([...plain].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

const MAX_DEPTH = 8
const MAX_VALUE_CHARS = 1 << 20
const MAX_TOTAL_CHARS = 16 << 20

/**
 * Resolves `${name}` / `${name:default}` in every value, following references at most 8 deep (a
 * cycle ends there too, its placeholder left as written). Each (key, depth) is resolved once, so the
 * work is bounded by 8 passes over the text whatever the references; a value that would grow past
 * 1 MiB, or output past 16 MiB in all, stays unresolved: a hostile document cannot make this explode.
 */
export function resolvePlaceholders(props: Map<string, string>): Map<string, string> {
  const memo = Array.from({ length: MAX_DEPTH }, () => new Map<string, string>())
  let budget = MAX_TOTAL_CHARS
  const lookup = (name: string, depth: number): string | undefined => {
    if (depth >= MAX_DEPTH) return undefined
    const done = memo[depth]!.get(name)
    if (done !== undefined) return done
    const raw = props.get(name)
    if (raw === undefined) return undefined
    const value = substitute(raw, depth + 1)
    memo[depth]!.set(name, value)
    return value
  }
  const substitute = (text: string, depth: number, nesting = 0): string => {
    // `${${${...}}}`: placeholders inside a placeholder's name, bounded like references.
    if (!text.includes('${') || budget <= 0 || nesting > MAX_DEPTH) return text
    let out = ''
    let i = 0
    while (i < text.length) {
      const start = text.indexOf('${', i)
      if (start < 0) break
      const end = closing(text, start + 2)
      if (end < 0) break
      out += text.slice(i, start)
      const inner = substitute(text.slice(start + 2, end), depth, nesting + 1)
      const colon = inner.indexOf(':')
      const value = lookup(colon < 0 ? inner : inner.slice(0, colon), depth)
      out += value ?? (colon >= 0 ? inner.slice(colon + 1) : text.slice(start, end + 1))
      if (out.length > MAX_VALUE_CHARS) return text
      i = end + 1
    }
    out += text.slice(i)
    budget -= out.length
    return budget > 0 ? out : text
  }
  return new Map([...props.keys()].map((k) => [k, lookup(k, 0) ?? props.get(k)!]))
}

/** The `}` that closes the placeholder opened before `from`, counting nested `${`. */
function closing(text: string, from: number): number {
  let depth = 1
  for (let i = from; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      depth++
      i++
    } else if (text[i] === '}' && --depth === 0) return i
  }
  return -1
}

export type FileFormat = 'properties' | 'json' | 'yaml'

export function renderFile(props: Map<string, string>, format: FileFormat): string {
  if (format === 'properties') return [...props].map(([k, v]) => `${k}: ${v}`).join('\n')
  const nested = unflatten(Object.fromEntries(props))
  if (format === 'json') return JSON.stringify(nested)
  // Spring strips the `document` key a non-map YAML document is stored under.
  const keys = Object.keys(nested)
  return serialize('yaml', keys.length === 1 && keys[0] === 'document' ? nested.document : nested)
}
