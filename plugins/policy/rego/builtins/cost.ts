/**
 * What a built-in call is about to cost, charged to the evaluation's budget before it runs.
 *
 * One process serves every tenant and a built-in runs to completion once called: a policy that
 * doubles a string or an array at every step reaches gigabytes in thirty calls, and the deadline
 * checked between calls comes too late (or never: V8 aborts on an array it cannot size). So each
 * built-in whose work or result grows with its input has an estimator here that charges steps in
 * proportion to the work and bytes for the values it will build, from its arguments' sizes.
 *
 * Rates are nanoseconds per unit (character, element, value) measured on this engine with inputs
 * of a few megabytes, rounded up; they differ by four orders of magnitude (base64 3 ns a
 * character, yaml.unmarshal 11 µs), which is why each built-in has its own. Estimators only read
 * sizes (O(1) for strings and collections, linear in memory for the few that look inside a
 * value); on arguments of the wrong type they charge nothing and the built-in reports its own
 * type error. Built-ins not listed are cheap or bounded; registry.ts still charges the size of
 * every result after the fact, so nothing escapes the memory budget entirely.
 */
import type { Value } from '../value.ts'
import type { BuiltinBudget } from './contract.ts'
import { arrayBytes, mapBytes, NODE_BYTES, shallowSize, steps, stringBytes, stringsLength, textSize, treeNodes } from './sizes.ts'
import { isAscii } from './strings.ts'

export type Estimator = (args: Value[], b: BuiltinBudget) => void

const len = (v: Value | undefined): number => (v?.type === 'string' ? v.value.length : 0)
const strLen = (args: Value[]): number => args.reduce((n, a) => n + len(a), 0)

/** Scans its string arguments at `ns` a character: work only. */
const scan = (ns: number): Estimator => (args, b) => b.charge(steps(strLen(args) * ns))

/** Builds a string about as long as its string arguments together, at `ns` a character. */
const copy = (ns: number): Estimator => (args, b) => {
  const n = strLen(args)
  b.charge(steps(n * ns), stringBytes(n))
}

/** Builds a string `factor` times as long as its first argument (encodings), at `ns` an output character. */
const grow = (factor: number, ns: number): Estimator => ([s], b) => b.charge(steps(len(s) * factor * ns), stringBytes(len(s) * factor))

/** Turns text into values (JSON, YAML) at `ns` a character; every couple of characters can become a value. */
const parse = (ns: number): Estimator => ([s], b) => b.charge(steps(len(s) * ns), len(s) * (NODE_BYTES / 2))

/** Writes its first argument out as text at `ns` an output character: its tree size, not its size in memory, is what it costs. */
const render = (ns: number): Estimator => ([v], b) => {
  if (v === undefined) return
  const n = textSize(v)
  b.charge(steps(n * ns), stringBytes(n))
}

/** Copies every element or entry of its collection arguments into a new collection, at `ns` each. */
const gather = (ns: number, bytes: (n: number) => number): Estimator => (args, b) => {
  let n = 0
  for (const a of args) if (a.type !== 'string') n += shallowSize(a)
  b.charge(steps(n * ns), bytes(n))
}

/** Reads every element of its collection arguments at `ns` each: work only. */
const visit = (ns: number): Estimator => (args, b) => {
  let n = 0
  for (const a of args) if (a.type !== 'string') n += shallowSize(a)
  b.charge(steps(n * ns))
}

/** Set of sets (union, intersection): the sum of the members' sizes. */
const members = (bytes: boolean): Estimator => ([s], b) => {
  if (s?.type !== 'set') return
  let n = 0
  for (const x of s.items.values()) n += shallowSize(x)
  b.charge(steps(n * 2500), bytes ? mapBytes(n) : 0)
}

/** Rebuilds whole documents (object.union, json.patch...): about 1 µs a value, measured on object.union. */
const rewrite = (build: boolean): Estimator => (args, b) => {
  let n = 0
  for (const a of args) n += treeNodes(a)
  b.charge(steps(n * 1000), build ? n * NODE_BYTES : 0)
}

/** Replacing every match of `old` by `rep` in `s` (an empty `old` matches between characters). */
function replaced(s: number, old: number, rep: number): number {
  return s + (old === 0 ? s + 1 : Math.floor(s / old)) * rep
}

/** RE2 is linear in the text; re2js finds and splits at 0.5-1 µs a character, replaces at up to 2.5 µs. */
const regexNs = (pattern: Value | undefined, text: Value | undefined, ns: number): number => len(text) * ns * (1 + len(pattern) / 16)

/** Regex built-ins that return pieces of the text (find, split): at most the text plus a header per piece. */
const regexPieces = (p: Value | undefined, s: Value | undefined, b: BuiltinBudget): void =>
  b.charge(steps(regexNs(p, s, 800)), stringBytes(len(s)) + arrayBytes(len(s) + 1) + (len(s) + 1) * NODE_BYTES)

/**
 * sprintf: the format plus every argument written out, plus any width in the format. Strings are
 * copied at about 15 ns a character; other values are rendered as Rego text at about 700 ns a character, or 90 ns a unit
 * of textSize (which counts each value as at least 16 characters).
 */
const sprintfCost: Estimator = ([f, a], b) => {
  if (f?.type !== 'string' || a?.type !== 'array') return
  let n = f.value.length
  for (const w of f.value.match(/\d+/g) ?? []) n += Number(w)
  let ns = n * 15
  for (const x of a.items) {
    const size = textSize(x)
    n += size
    ns += size * (x.type === 'string' ? 15 : 90)
  }
  b.charge(steps(ns), stringBytes(n))
}

const SMALL_INT = 1n << 64n

/** Bits of a big integer operand; 0 for integers under 2^64 and for anything else (two comparisons). */
function intBits(v: Value | undefined): number {
  if (v?.type !== 'number' || v.int === undefined || (v.int < SMALL_INT && v.int > -SMALL_INT)) return 0
  return v.int.toString(16).length * 4
}

/**
 * Integer arithmetic is exact, so `x := x * x` twenty-four times is a 16-million-bit number:
 * measured with V8's BigInt, about 15 ns a bit of the larger operand to multiply, 50 ns to
 * divide, 1 ns to add. Small operands, the usual case, are not charged.
 */
const arith = (nsPerBit: number, resultBits: (a: number, b: number) => number): Estimator => ([a, b], budget) => {
  const x = intBits(a)
  const y = intBits(b)
  if (x === 0 && y === 0) return
  budget.charge(steps(Math.max(x, y) * nsPerBit), NODE_BYTES + resultBits(Math.max(x, 64), Math.max(y, 64)) / 8)
}

export const COSTS: ReadonlyMap<string, Estimator> = new Map<string, Estimator>([
  // numbers
  ['plus', arith(1, (a, b) => Math.max(a, b) + 1)],
  ['minus', arith(1, (a, b) => Math.max(a, b) + 1)],
  ['mul', arith(15, (a, b) => a + b)],
  ['div', arith(50, (a) => a)],
  ['rem', arith(50, (a, b) => Math.min(a, b))],
  ['bits.lsh', ([a, n], b) => {
    const shift = n?.type === 'number' && n.int !== undefined && n.int > 64n ? Number(n.int) : 0
    if (shift > 0) b.charge(steps(shift), NODE_BYTES + (intBits(a) + shift) / 8)
  }],

  // strings
  ['concat', ([d, c], b) => {
    if (c?.type !== 'array' && c?.type !== 'set') return
    const n = stringsLength(c) + len(d) * shallowSize(c)
    b.charge(steps(n * 2 + shallowSize(c) * 50), stringBytes(n))
  }],
  ['sprintf', sprintfCost],
  ['replace', ([s, o, r], b) => {
    const n = replaced(len(s), len(o), len(r))
    b.charge(steps(n * 20), stringBytes(n))
  }],
  ['strings.replace_n', ([p, s], b) => {
    if (p?.type !== 'object') return
    let old = Infinity
    let rep = 0
    for (const [k, v] of p.entries.values()) { old = Math.min(old, len(k)); rep = Math.max(rep, len(v)) }
    const n = p.entries.size === 0 ? len(s) : replaced(len(s), old, rep)
    b.charge(steps(n * 100 * Math.max(1, p.entries.size / 2)), stringBytes(n))
  }],
  ['split', ([s, d], b) => {
    const pieces = (len(d) === 0 ? len(s) : Math.floor(len(s) / len(d))) + 1
    b.charge(steps(len(s) * 20 + pieces * 200), stringBytes(len(s)) + arrayBytes(pieces) + pieces * NODE_BYTES)
  }],
  ['format_int', ([n], b) => { if (n?.type === 'number' && n.int !== undefined) render(300)([n], b) }],
  // upper/lower map ASCII at once and anything else a rune at a time (about 450 ns each).
  ...['upper', 'lower'].map((name) => [name, ([s], b) => {
    b.charge(steps(len(s) * (s?.type === 'string' && isAscii(s.value) ? 5 : 500)), stringBytes(len(s)))
  }] as [string, Estimator]),
  ...['trim', 'trim_left', 'trim_right', 'trim_prefix', 'trim_suffix', 'trim_space', 'substring', 'strings.reverse'].map((name) => [name, copy(150)] as const),
  ...['contains', 'startswith', 'endswith', 'indexof', 'indexof_n', 'strings.count', 'strings.any_prefix_match', 'strings.any_suffix_match']
    .map((name) => [name, scan(20)] as const),
  ['strings.render_template', ([t, v], b) => b.charge(steps(len(t) * 100 + (v ? textSize(v) * 40 : 0)))],

  // arrays, sets, objects: arrays copy at about 45 ns an element (GC included), sets and objects
  // compute a canonical key per entry (2-3 µs)
  ['array.concat', gather(50, arrayBytes)],
  ['array.slice', gather(50, arrayBytes)],
  ['array.reverse', gather(50, arrayBytes)],
  ['array.flatten', ([a], b) => {
    if (a?.type !== 'array') return
    let n = 0
    for (const x of a.items) n += x.type === 'array' ? x.items.length : 1
    b.charge(steps(n * 50), arrayBytes(n))
  }],
  ['sort', ([a], b) => {
    const n = shallowSize(a)
    b.charge(steps(n * 100 * Math.log2(n + 2)), arrayBytes(n))
  }],
  ['or', gather(2500, mapBytes)],
  ['and', visit(2500)],
  ['set_diff', gather(2500, mapBytes)],
  ['union', members(true)],
  ['intersection', members(false)],
  ['cast_array', gather(50, arrayBytes)],
  ['cast_set', gather(2500, mapBytes)],
  ['object.keys', gather(2500, mapBytes)],
  ['object.remove', gather(2500, mapBytes)],
  ['object.filter', gather(2500, mapBytes)],
  ['object.union', rewrite(true)],
  ['object.union_n', rewrite(true)],
  ['object.subset', rewrite(false)],
  ['json.filter', rewrite(true)],
  ['json.remove', rewrite(true)],
  ['json.patch', rewrite(true)],
  // count is O(1) on collections but counts the runes of a string
  ['count', ([s], b) => b.charge(steps(len(s) * 15))],
  ...['sum', 'product', 'max', 'min', 'all', 'any'].map((name) => [name, visit(20)] as const),
  ['graph.reachable', ([g], b) => {
    if (g?.type !== 'object') return
    let n = g.entries.size
    for (const [, edges] of g.entries.values()) n += shallowSize(edges)
    b.charge(steps(n * 2500), mapBytes(g.entries.size))
  }],
  ['graph.reachable_paths', rewrite(true)],

  // regex and globs
  ...['regex.match', 're_match', 'regex.template_match'].map((name) => [name, ([p, s], b) => b.charge(steps(regexNs(p, s, 100)))] as [string, Estimator]),
  ['regex.find_n', ([p, s], b) => regexPieces(p, s, b)],
  ['regex.find_all_string_submatch_n', ([p, s], b) => regexPieces(p, s, b)],
  ['regex.split', ([p, s], b) => regexPieces(p, s, b)],
  ['regex.replace', ([s, p, r], b) => {
    const n = replaced(len(s), 0, len(r))
    b.charge(steps(regexNs(p, s, 1500) + n * 20), stringBytes(n))
  }],
  ['regex.globs_match', ([a, c], b) => b.charge(steps(len(a) * len(c) * 20))],
  ['glob.match', ([p, , s], b) => b.charge(steps(regexNs(p, s, 100)))],

  // JSON, YAML and other encodings
  // per unit of textSize, which counts every value as at least 16 characters (value.ts textLength)
  ['json.marshal', render(20)],
  ['json.marshal_with_options', render(20)],
  ['yaml.marshal', render(120)],
  ['json.unmarshal', parse(700)],
  ['json.is_valid', parse(700)],
  ['yaml.unmarshal', parse(12000)],
  ['yaml.is_valid', parse(12000)],
  ['base64.encode', grow(4 / 3, 10)],
  ['base64url.encode', grow(4 / 3, 10)],
  ['base64url.encode_no_pad', grow(4 / 3, 10)],
  ['base64.decode', grow(1, 10)],
  ['base64url.decode', grow(1, 10)],
  ['base64.is_valid', scan(10)],
  ['hex.encode', grow(2, 10)],
  ['hex.decode', grow(1, 10)],
  ['urlquery.encode', grow(3, 300)],
  ['urlquery.decode', grow(1, 300)],
  ['urlquery.encode_object', render(40)],
  ['urlquery.decode_object', parse(700)],

  // hashes and tokens: linear in the input, small results
  ...['crypto.md5', 'crypto.sha1', 'crypto.sha256', 'crypto.hmac.md5', 'crypto.hmac.sha1', 'crypto.hmac.sha256', 'crypto.hmac.sha512', 'crypto.hmac.equal']
    .map((name) => [name, scan(10)] as const),
  ...['io.jwt.decode', 'io.jwt.decode_verify', 'json.verify_schema', 'json.match_schema'].map((name) => [name, parse(700)] as const),
])
