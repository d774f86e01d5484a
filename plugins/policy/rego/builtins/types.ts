/** type_name, is_* predicates and the casts (to_number, cast_*). */
import { arr, bool, num, set, sortedItems, str as strV, type Value } from '../value.ts'
import { builtinError, def, operandError, oneOf, typeError } from './args.ts'
import type { BuiltinDef } from './contract.ts'

const is = (name: string, t: Value['type']) => def(name, 1, ([v]) => bool(v.type === t))

/** Decimal text Go's ParseFloat would accept, excluding hex, inf and nan (OPA rejects those too). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/

function toNumber(v: Value): Value {
  switch (v.type) {
    case 'number':
      return v
    case 'null':
      return num(0)
    case 'boolean':
      return num(v.value ? 1 : 0)
    case 'string': {
      if (/^[+-]?(inf|infinity|nan)$/i.test(v.value)) throw typeError('to_number', `operand 1 must be a finite number but got ${JSON.stringify(v.value)}`)
      if (!DECIMAL.test(v.value)) throw builtinError('to_number', `strconv.ParseFloat: parsing ${JSON.stringify(v.value)}: invalid syntax`)
      return num(v.value.replace(/^\+/, '').replace(/^(-?)\./, '$10.').replace(/\.(?=$|[eE])/, ''))
    }
    default:
      throw operandError('to_number', 1, oneOf(['null', 'boolean', 'number', 'string']), v)
  }
}

export const TYPE_BUILTINS: BuiltinDef[] = [
  def('type_name', 1, ([v]) => strV(v.type)),
  is('is_number', 'number'),
  is('is_string', 'string'),
  is('is_boolean', 'boolean'),
  is('is_array', 'array'),
  is('is_set', 'set'),
  is('is_object', 'object'),
  is('is_null', 'null'),
  def('to_number', 1, ([v]) => toNumber(v)),
  def('cast_array', 1, ([v]) => {
    if (v.type === 'array') return v
    if (v.type === 'set') return arr(sortedItems(v))
    throw operandError('cast_array', 1, oneOf(['array', 'set']), v)
  }),
  def('cast_set', 1, ([v]) => {
    if (v.type === 'set') return v
    if (v.type === 'array') return set(v.items)
    throw operandError('cast_set', 1, oneOf(['array', 'set']), v)
  }),
  def('cast_string', 1, ([v]) => {
    if (v.type !== 'string') throw operandError('cast_string', 1, 'string', v)
    return v
  }),
  def('cast_boolean', 1, ([v]) => {
    if (v.type !== 'boolean') throw operandError('cast_boolean', 1, 'boolean', v)
    return v
  }),
  def('cast_null', 1, ([v]) => {
    if (v.type !== 'null') throw operandError('cast_null', 1, 'null', v)
    return v
  }),
  def('cast_object', 1, ([v]) => {
    if (v.type !== 'object') throw operandError('cast_object', 1, 'object', v)
    return v
  }),
]
