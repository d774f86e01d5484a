/**
 * Static signatures of built-ins and operators for the compile-time type check
 * (compiler/typecheck.ts). Types are kind masks only: the checker reports a call when an
 * argument's kind is certainly outside its parameter's mask, so a signature may be wider than
 * OPA's but never narrower (a narrower one would reject policies OPA accepts).
 *
 * Built-ins without an entry are unchecked and their results unknown (`any`). Leave a built-in
 * out rather than guess: a wrong entry is a false compile error.
 */

/** Kind bits; a type is the union (bitwise or) of the kinds a value may have. */
export const T = {
  null: 1,
  boolean: 2,
  number: 4,
  string: 8,
  array: 16,
  object: 32,
  set: 64,
  any: 127,
} as const

export type TypeMask = number

const { null: N, boolean: B, number: NUM, string: S, array: A, object: O, set: SET, any: ANY } = T
/** array | object | set */
export const COLLECTION = A | O | SET

export interface Signature {
  args: readonly TypeMask[]
  result: TypeMask
}

const sig = (args: TypeMask[], result: TypeMask): Signature => ({ args, result })

const KIND_ORDER = ['null', 'boolean', 'number', 'string', 'array', 'object', 'set'] as const

/** OPA-style rendering: `number`, `any`, `any<array, object, set>`. */
export function typeName(m: TypeMask): string {
  if ((m & ANY) === ANY) return 'any'
  const names = KIND_ORDER.filter((k) => m & T[k])
  if (names.length === 1) return names[0]
  return `any<${names.join(', ')}>`
}

const numeric = (n: number): Signature => sig(Array<TypeMask>(n).fill(NUM), NUM)
const anyToBool = (n: number): Signature => sig(Array<TypeMask>(n).fill(ANY), B)
const strToStr = sig([S], S)
const timeArg = NUM | A

const ENTRIES: Array<[string, Signature]> = [
  // Operators. Comparison and equality accept any values (Rego orders across kinds).
  ['plus', numeric(2)],
  ['mul', numeric(2)],
  ['div', numeric(2)],
  ['rem', numeric(2)],
  ['minus', sig([NUM | SET, NUM | SET], NUM | SET)],
  ['and', sig([SET, SET], SET)],
  ['or', sig([SET, SET], SET)],
  ['equal', anyToBool(2)],
  ['neq', anyToBool(2)],
  ['lt', anyToBool(2)],
  ['lte', anyToBool(2)],
  ['gt', anyToBool(2)],
  ['gte', anyToBool(2)],
  ['internal.member_2', anyToBool(2)],
  ['internal.member_3', anyToBool(3)],

  // Numbers.
  ['abs', numeric(1)],
  ['round', numeric(1)],
  ['ceil', numeric(1)],
  ['floor', numeric(1)],
  ['numbers.range', sig([NUM, NUM], A)],
  ['numbers.range_step', sig([NUM, NUM, NUM], A)],
  ['bits.and', numeric(2)],
  ['bits.or', numeric(2)],
  ['bits.xor', numeric(2)],
  ['bits.negate', numeric(1)],
  ['bits.lsh', numeric(2)],
  ['bits.rsh', numeric(2)],

  // Aggregates.
  ['count', sig([S | COLLECTION], NUM)],
  ['sum', sig([A | SET], NUM)],
  ['product', sig([A | SET], NUM)],
  ['max', sig([A | SET], ANY)],
  ['min', sig([A | SET], ANY)],
  ['sort', sig([A | SET], A)],

  // Strings.
  ['concat', sig([S, A | SET], S)],
  ['contains', sig([S, S], B)],
  ['startswith', sig([S, S], B)],
  ['endswith', sig([S, S], B)],
  ['format_int', sig([NUM, NUM], S)],
  ['indexof', sig([S, S], NUM)],
  ['indexof_n', sig([S, S], A)],
  ['lower', strToStr],
  ['upper', strToStr],
  ['replace', sig([S, S, S], S)],
  ['split', sig([S, S], A)],
  ['substring', sig([S, NUM, NUM], S)],
  ['trim', sig([S, S], S)],
  ['trim_left', sig([S, S], S)],
  ['trim_right', sig([S, S], S)],
  ['trim_prefix', sig([S, S], S)],
  ['trim_suffix', sig([S, S], S)],
  ['trim_space', strToStr],
  ['strings.reverse', strToStr],
  ['strings.count', sig([S, S], NUM)],
  ['strings.replace_n', sig([O, S], S)],
  ['strings.any_prefix_match', sig([S | A | SET, S | A | SET], B)],
  ['strings.any_suffix_match', sig([S | A | SET, S | A | SET], B)],
  ['sprintf', sig([S, A], S)],

  // Types.
  ['type_name', sig([ANY], S)],
  ['is_number', anyToBool(1)],
  ['is_string', anyToBool(1)],
  ['is_boolean', anyToBool(1)],
  ['is_array', anyToBool(1)],
  ['is_set', anyToBool(1)],
  ['is_object', anyToBool(1)],
  ['is_null', anyToBool(1)],
  ['to_number', sig([N | B | NUM | S], NUM)],

  // Arrays and objects.
  ['array.concat', sig([A, A], A)],
  ['array.slice', sig([A, NUM, NUM], A)],
  ['array.reverse', sig([A], A)],
  ['object.get', sig([O, ANY, ANY], ANY)],
  ['object.keys', sig([O], SET)],
  ['object.remove', sig([O, COLLECTION], O)],
  ['object.filter', sig([O, COLLECTION], O)],
  ['object.union', sig([O, O], O)],
  ['object.union_n', sig([A], O)],
  ['object.subset', sig([COLLECTION, COLLECTION], B)],

  // JSON.
  ['json.marshal', sig([ANY], S)],
  ['json.marshal_with_options', sig([ANY, O], S)],
  ['json.unmarshal', sig([S], ANY)],
  ['json.filter', sig([O, A | SET], ANY)],
  ['json.remove', sig([O, A | SET], ANY)],
  ['json.patch', sig([ANY, A], ANY)],

  // Encodings and hashes.
  ['base64.encode', strToStr],
  ['base64.decode', strToStr],
  ['base64url.encode', strToStr],
  ['base64url.encode_no_pad', strToStr],
  ['base64url.decode', strToStr],
  ['hex.encode', strToStr],
  ['hex.decode', strToStr],
  ['urlquery.encode', strToStr],
  ['urlquery.decode', strToStr],
  ['crypto.md5', strToStr],
  ['crypto.sha1', strToStr],
  ['crypto.sha256', strToStr],

  // Regex and glob.
  ['regex.match', sig([S, S], B)],
  ['re_match', sig([S, S], B)],
  ['regex.split', sig([S, S], A)],
  ['regex.replace', sig([S, S, S], S)],
  ['regex.find_n', sig([S, S, NUM], A)],
  ['glob.match', sig([S, N | A, S], B)],
  ['glob.quote_meta', strToStr],

  // Time.
  ['time.now_ns', sig([], NUM)],
  ['time.parse_ns', sig([S, S], NUM)],
  ['time.parse_rfc3339_ns', sig([S], NUM)],
  ['time.parse_duration_ns', sig([S], NUM)],
  ['time.date', sig([timeArg], A)],
  ['time.clock', sig([timeArg], A)],
  ['time.weekday', sig([timeArg], S)],
  ['time.add_date', sig([NUM, NUM, NUM, NUM], NUM)],
  ['time.diff', sig([timeArg, timeArg], A)],
  ['time.format', sig([timeArg], S)],

  // Units, net, semver.
  ['units.parse', sig([S], NUM)],
  ['units.parse_bytes', sig([S], NUM)],
  ['net.cidr_contains', sig([S, S], B)],
  ['net.cidr_intersects', sig([S, S], B)],
  ['semver.compare', sig([S, S], NUM)],
]

/** Signatures by built-in name (the names in BUILTINS). */
export const SIGNATURES: ReadonlyMap<string, Signature> = new Map(ENTRIES)
