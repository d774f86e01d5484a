/**
 * Which built-ins a compiled policy can reach whose result is not a function of (input, data):
 * the clock, randomness, the network, the runtime, and print/trace (their output is a side
 * effect a replayed result would lose). A caller may cache a decision by (policy, input, data)
 * only when this list is empty, so it errs on the side of listing too much: every `time.*`,
 * `rand.*` and `uuid.*` built-in counts, even the pure ones such as `time.parse_ns`.
 *
 * Decided once at compile time from the rule bodies. A `with f as time.now_ns` replacement names
 * the built-in as a ref rather than calling it, so `with` values are checked as names too.
 */
import { forEachRuleTerm } from './checks.ts'
import { spelledName } from './mocks.ts'
import type { CRule } from './tree.ts'

const PREFIXES = ['time.', 'rand.', 'uuid.']
const NAMES = new Set([
  'http.send',
  'net.lookup_ip_addr',
  'opa.runtime',
  // Both check expiry against the clock.
  'io.jwt.decode_verify',
  'crypto.x509.parse_and_verify_certificates',
  'crypto.x509.parse_and_verify_certificates_with_options',
  'print',
  'trace',
])

export function isNondeterministic(name: string): boolean {
  return NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p))
}


/** Sorted names of the non-deterministic built-ins the rules call or substitute with `with`. */
export function nondeterministicBuiltins(rules: readonly CRule[]): string[] {
  const found = new Set<string>()
  for (const r of rules) {
    forEachRuleTerm(r, (t) => {
      const name = t.t === 'call' ? t.name : spelledName(t)
      if (name !== undefined && isNondeterministic(name)) found.add(name)
    })
  }
  return [...found].sort()
}
