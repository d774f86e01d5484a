/**
 * Operand checking shared by every namespace. Messages follow OPA's phrasing
 * ("<fn>: operand N must be <type> but got <type>") because policies and tests match on them.
 */
import { type ArrV, type NumV, type ObjV, type SetV, sortedItems, type StrV, type Value } from '../value.ts'
import { BuiltinError, type BuiltinContext, type BuiltinDef, type BuiltinFn } from './contract.ts'

export const typeName = (v: Value): string => v.type

export function typeError(fname: string, message: string): BuiltinError {
  return new BuiltinError('eval_type_error', `${fname}: ${message}`)
}

export function builtinError(fname: string, message: string): BuiltinError {
  return new BuiltinError('eval_builtin_error', `${fname}: ${message}`)
}

export function operandError(fname: string, pos: number, want: string, got: Value | string): BuiltinError {
  const g = typeof got === 'string' ? got : typeName(got)
  return typeError(fname, `operand ${pos} must be ${want} but got ${g}`)
}

export function oneOf(types: string[]): string {
  return `one of {${types.join(', ')}}`
}

export function str(fname: string, v: Value, pos: number): string {
  if (v.type !== 'string') throw operandError(fname, pos, 'string', v)
  return v.value
}

export function numArg(fname: string, v: Value, pos: number): NumV {
  if (v.type !== 'number') throw operandError(fname, pos, 'number', v)
  return v
}

/** An integral number as bigint ("operand N must be integer number but got floating-point number"). */
export function intArg(fname: string, v: Value, pos: number): bigint {
  const n = numArg(fname, v, pos)
  if (n.int !== undefined) return n.int
  if (Number.isInteger(n.float)) return BigInt(n.float as number)
  throw operandError(fname, pos, 'integer number', 'floating-point number')
}

export function arrArg(fname: string, v: Value, pos: number): ArrV {
  if (v.type !== 'array') throw operandError(fname, pos, 'array', v)
  return v
}

export function objArg(fname: string, v: Value, pos: number): ObjV {
  if (v.type !== 'object') throw operandError(fname, pos, 'object', v)
  return v
}

export function setArg(fname: string, v: Value, pos: number): SetV {
  if (v.type !== 'set') throw operandError(fname, pos, 'set', v)
  return v
}

export function boolArg(fname: string, v: Value, pos: number): boolean {
  if (v.type !== 'boolean') throw operandError(fname, pos, 'boolean', v)
  return v.value
}

/** Items of an array or set (sets in sorted order). */
export function collection(fname: string, v: Value, pos: number, types: Array<'array' | 'set'> = ['array', 'set']): readonly Value[] {
  if (v.type === 'array' && types.includes('array')) return v.items
  if (v.type === 'set' && types.includes('set')) return sortedItems(v)
  throw operandError(fname, pos, types.length === 1 ? types[0] : oneOf(types), v)
}

export function strings(fname: string, v: Value, pos: number): string[] {
  return collection(fname, v, pos).map((x) => {
    if (x.type !== 'string') throw operandError(fname, pos, `${v.type} of strings`, `${v.type} containing ${x.type}`)
    return (x as StrV).value
  })
}

/** Shorthand for a definition list entry. */
export function def(name: string, arity: number, fn: BuiltinFn, extra: Partial<BuiltinDef> = {}): BuiltinDef {
  return { name, arity, fn, ...extra }
}

export type { BuiltinContext }
