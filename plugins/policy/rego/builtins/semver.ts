/** semver.is_valid / semver.compare (SemVer 2.0.0, strict: no "v" prefix, build metadata ignored in ordering). */
import semver from 'semver'
import { bool, num } from '../value.ts'
import { builtinError, def, str } from './args.ts'
import type { BuiltinDef } from './contract.ts'

function parse(s: string): semver.SemVer | undefined {
  if (!/^\d/.test(s) || /\s/.test(s)) return undefined
  try {
    return new semver.SemVer(s)
  } catch {
    return undefined
  }
}

function operand(s: string, pos: number): semver.SemVer {
  const v = parse(s)
  if (!v) throw builtinError('semver.compare', `operand ${pos}: string ${JSON.stringify(s)} is not a valid SemVer`)
  return v
}

export const SEMVER_BUILTINS: BuiltinDef[] = [
  def('semver.is_valid', 1, ([v]) => bool(v.type === 'string' && parse(v.value) !== undefined)),
  def('semver.compare', 2, ([a, b]) => {
    const x = operand(str('semver.compare', a, 1), 1)
    const y = operand(str('semver.compare', b, 2), 2)
    return num(semver.compare(x, y))
  }),
]
