/**
 * flagd's other custom operators. Given arguments they cannot use (a version that does not parse,
 * a number where a string belongs, a wrong count), each throws OperatorError: the evaluation stops
 * and the flag takes its default variant with reason DEFAULT, as flagd's test bed specifies
 * ("custom operator errors fall back to the default variant"), instead of a malformed comparison
 * silently taking the else branch of an `if`.
 */
import semver from 'semver'

/** An operator refused its arguments: the flag resolves to its default variant (reason DEFAULT). */
export class OperatorError extends Error {}

// flagd compares with Go's x/mod/semver: a leading v/V is optional, and "1" and "1.2" stand for
// 1.0.0 and 1.2.0 (without pre-release or build suffixes). Build metadata is ignored when comparing.
const PARTIAL = /^(0|[1-9][0-9]{0,15})(?:\.(0|[1-9][0-9]{0,15}))?$/

function version(v: unknown): semver.SemVer | null {
  if (typeof v === 'number') v = String(v)
  if (typeof v !== 'string' || v.length > 256) return null
  const text = v.startsWith('v') || v.startsWith('V') ? v.slice(1) : v
  const partial = PARTIAL.exec(text)
  return semver.parse(partial ? `${partial[1]}.${partial[2] ?? '0'}.0` : text)
}

const COMPARE: Record<string, (a: semver.SemVer, b: semver.SemVer) => boolean> = {
  '=': (a, b) => semver.compare(a, b) === 0,
  '!=': (a, b) => semver.compare(a, b) !== 0,
  '<': (a, b) => semver.compare(a, b) < 0,
  '<=': (a, b) => semver.compare(a, b) <= 0,
  '>': (a, b) => semver.compare(a, b) > 0,
  '>=': (a, b) => semver.compare(a, b) >= 0,
  '^': (a, b) => a.major === b.major,
  '~': (a, b) => a.major === b.major && a.minor === b.minor,
}

export const SEMVER_OPERATORS: ReadonlySet<string> = new Set(Object.keys(COMPARE))

/** `{"sem_ver": [version, op, target]}`. */
export function semVer(args: unknown[]): boolean {
  if (args.length !== 3) throw new OperatorError(`sem_ver takes 3 arguments, not ${args.length}`)
  const [left, op, right] = args
  if (typeof op !== 'string' || !SEMVER_OPERATORS.has(op)) throw new OperatorError('sem_ver: unknown comparison operator')
  const a = version(left)
  const b = version(right)
  if (!a || !b) throw new OperatorError('sem_ver: a version is not a semantic version')
  return COMPARE[op](a, b)
}

function strings(name: string, args: unknown[]): [string, string] {
  if (args.length !== 2 || typeof args[0] !== 'string' || typeof args[1] !== 'string') throw new OperatorError(`${name} takes 2 strings`)
  return [args[0], args[1]]
}

export const startsWith = (args: unknown[]): boolean => {
  const [s, prefix] = strings('starts_with', args)
  return s.startsWith(prefix)
}

export const endsWith = (args: unknown[]): boolean => {
  const [s, suffix] = strings('ends_with', args)
  return s.endsWith(suffix)
}
