/**
 * What a built-in call is about to cost, charged to the evaluation's budget before it runs.
 *
 * One process serves every tenant and a built-in runs to completion once called: a policy that
 * doubles a string or an array at every step reaches gigabytes in thirty calls, and the deadline
 * checked between calls comes too late (or never: V8 aborts on an array it cannot size). So each
 * built-in whose work or result grows with its input has an estimator here that charges steps in
 * proportion to the work and bytes for the values it will build, from its arguments' sizes.
 * Estimators only read sizes (O(1) for strings and collections, linear for the few that must look
 * inside a value); on arguments of the wrong type they charge nothing and the built-in reports
 * its own type error. Built-ins not listed are cheap or bounded; `registry.ts` still charges the
 * size of every result after the fact, so nothing escapes the memory budget entirely.
 */
import type { Value } from '../value.ts'
import type { BuiltinBudget } from './contract.ts'
import { isAscii } from './strings.ts'
import {
  arrayBytes, CHARS_PER_STEP, ELEMS_PER_STEP, mapBytes, NODE_BYTES, shallowSize, stringBytes, stringsLength, textSize,
} from './sizes.ts'

export type Estimator = (args: Value[], b: BuiltinBudget) => void

const len = (v: Value | undefined): number => (v?.type === 'string' ? v.value.length : 0)

/** Reads or scans its string arguments: work only. */
const scan: Estimator = (args, b) => {
  let n = 0
  for (const a of args) n += len(a)
  b.charge(n / CHARS_PER_STEP)
}

/** Builds a string about as long as its string arguments together (upper, trim, substring...). */
const copy: Estimator = (args, b) => {
  let n = 0
  for (const a of args) n += len(a)
  b.charge(n / CHARS_PER_STEP, stringBytes(n))
}

/** upper/lower: fast over ASCII, a rune at a time (about 450 ns each, 4-5 steps) otherwise (strings.ts). */
const caseMap: Estimator = ([s], b) => b.charge(len(s) / (s?.type === 'string' && isAscii(s.value) ? CHARS_PER_STEP : 0.2), stringBytes(len(s)))

/** Builds a string `factor` times as long as its first argument (encodings). */
const grow = (factor: number): Estimator => ([s], b) => b.charge((len(s) * factor) / CHARS_PER_STEP, stringBytes(len(s) * factor))

/** Turns text into values (JSON, YAML): every couple of characters can become a value. */
const parse: Estimator = ([s], b) => b.charge(len(s) / 4, len(s) * (NODE_BYTES / 2))

/** Writes a value out as text: its tree size, not its size in memory, is what it costs. */
const render: Estimator = ([v], b) => {
  if (v === undefined) return
  const n = textSize(v)
  b.charge(n / CHARS_PER_STEP, stringBytes(n))
}

/** Copies every element or entry of its collection arguments into a new collection. */
const gather = (bytes: (n: number) => number): Estimator => (args, b) => {
  let n = 0
  for (const a of args) n += shallowSize(a)
  b.charge(n / ELEMS_PER_STEP, bytes(n))
}

/** Reads every element of its collection arguments: work only. */
const visit: Estimator = (args, b) => {
  let n = 0
  for (const a of args) if (a.type !== 'string') n += shallowSize(a)
  b.charge(n / ELEMS_PER_STEP)
}

/** Set of sets (union, intersection): the sum of the members' sizes. */
const members = (bytes: boolean): Estimator => ([s], b) => {
  if (s?.type !== 'set') return
  let n = 0
  for (const x of s.items.values()) n += shallowSize(x)
  b.charge(n / ELEMS_PER_STEP, bytes ? mapBytes(n) : 0)
}

/** Rewrites a whole document (object.union, json.patch...): proportional to its tree size. */
const rewrite: Estimator = (args, b) => {
  let n = 0
  for (const a of args) n += textSize(a) / 8
  b.charge(n / ELEMS_PER_STEP, n * NODE_BYTES)
}

/** Compares or searches whole documents (object.subset): work in proportion to their tree size. */
const inspect: Estimator = (args, b) => {
  let n = 0
  for (const a of args) n += textSize(a) / 8
  b.charge(n / ELEMS_PER_STEP)
}

/** Replacing every match of `old` by `rep` in `s` (an empty `old` matches between characters). */
function replaceAll(s: number, old: number, rep: number): number {
  return s + (old === 0 ? s + 1 : Math.floor(s / old)) * rep
}

/** A regex over text: RE2 runs in time linear in the text, times a factor for the pattern. */
const regexWork = (pattern: Value | undefined, text: Value | undefined): number => (len(text) * (1 + len(pattern) / 16)) / 4

/** Regex built-ins that return pieces of the text (find, split): at most the text plus a header per piece. */
const regexPieces: Estimator = ([p, s], b) => b.charge(regexWork(p, s), stringBytes(len(s)) + arrayBytes(len(s) + 1) + (len(s) + 1) * NODE_BYTES)

/** sprintf: the format plus every argument written out, plus any width or precision in the format. */
const sprintfCost: Estimator = ([f, a], b) => {
  if (f?.type !== 'string' || a?.type !== 'array') return
  let n = f.value.length
  for (const w of f.value.match(/\d+/g) ?? []) n += Number(w)
  for (const x of a.items) n += textSize(x)
  b.charge(n / CHARS_PER_STEP, stringBytes(n))
}

export const COSTS: ReadonlyMap<string, Estimator> = new Map<string, Estimator>([
  // strings
  ['concat', ([d, c], b) => {
    if (c?.type !== 'array' && c?.type !== 'set') return
    const n = stringsLength(c) + len(d) * shallowSize(c)
    b.charge(n / CHARS_PER_STEP + shallowSize(c) / ELEMS_PER_STEP, stringBytes(n))
  }],
  ['sprintf', sprintfCost],
  ['replace', ([s, o, r], b) => {
    const n = replaceAll(len(s), len(o), len(r))
    b.charge(n / CHARS_PER_STEP, stringBytes(n))
  }],
  ['strings.replace_n', ([p, s], b) => {
    if (p?.type !== 'object') return
    let old = Infinity
    let rep = 0
    for (const [k, v] of p.entries.values()) { old = Math.min(old, len(k)); rep = Math.max(rep, len(v)) }
    const n = p.entries.size === 0 ? len(s) : replaceAll(len(s), old, rep)
    b.charge(n / CHARS_PER_STEP + p.entries.size, stringBytes(n))
  }],
  ['split', ([s, d], b) => {
    const pieces = (len(d) === 0 ? len(s) : Math.floor(len(s) / len(d))) + 1
    b.charge(len(s) / CHARS_PER_STEP + pieces / ELEMS_PER_STEP, stringBytes(len(s)) + arrayBytes(pieces) + pieces * NODE_BYTES)
  }],
  ['format_int', ([n], b) => { if (n?.type === 'number' && n.int !== undefined) render([n], b) }],
  ['upper', caseMap],
  ['lower', caseMap],
  ...['trim', 'trim_left', 'trim_right', 'trim_prefix', 'trim_suffix', 'trim_space', 'substring', 'strings.reverse']
    .map((name) => [name, copy] as const),
  ...['contains', 'startswith', 'endswith', 'indexof', 'indexof_n', 'strings.count', 'strings.any_prefix_match', 'strings.any_suffix_match']
    .map((name) => [name, scan] as const),
  ['strings.render_template', ([t, v], b) => b.charge(len(t) / CHARS_PER_STEP + (v ? textSize(v) : 0) / CHARS_PER_STEP)],

  // arrays, sets, objects
  ['array.concat', gather(arrayBytes)],
  ['array.slice', gather(arrayBytes)],
  ['array.reverse', gather(arrayBytes)],
  ['array.flatten', ([a], b) => {
    if (a?.type !== 'array') return
    let n = 0
    for (const x of a.items) n += x.type === 'array' ? x.items.length : 1
    b.charge(n / ELEMS_PER_STEP, arrayBytes(n))
  }],
  ['sort', ([a], b) => {
    const n = shallowSize(a)
    b.charge((n * Math.log2(n + 2)) / ELEMS_PER_STEP, arrayBytes(n))
  }],
  ['or', gather(mapBytes)],
  ['and', visit],
  ['set_diff', gather(mapBytes)],
  ['union', members(true)],
  ['intersection', members(false)],
  ['cast_array', gather(arrayBytes)],
  ['cast_set', gather(mapBytes)],
  ['object.keys', gather(mapBytes)],
  ['object.remove', gather(mapBytes)],
  ['object.filter', gather(mapBytes)],
  ['object.union', rewrite],
  ['object.union_n', rewrite],
  ['object.subset', inspect],
  ['json.filter', rewrite],
  ['json.remove', rewrite],
  ['json.patch', rewrite],
  ...['count', 'sum', 'product', 'max', 'min', 'all', 'any'].map((name) => [name, visit] as const),
  ['graph.reachable', ([g], b) => {
    if (g?.type !== 'object') return
    let n = g.entries.size
    for (const [, edges] of g.entries.values()) n += shallowSize(edges)
    b.charge(n / ELEMS_PER_STEP, mapBytes(g.entries.size))
  }],
  ['graph.reachable_paths', rewrite],

  // regex and globs
  ...['regex.match', 're_match', 'regex.template_match'].map((name) => [name, ([p, s], b) => b.charge(regexWork(p, s))] as [string, Estimator]),
  ['regex.find_n', regexPieces],
  ['regex.find_all_string_submatch_n', regexPieces],
  ['regex.split', regexPieces],
  ['regex.replace', ([s, p, r], b) => {
    const n = replaceAll(len(s), 0, len(r))
    b.charge(regexWork(p, s) + n / CHARS_PER_STEP, stringBytes(n))
  }],
  ['regex.globs_match', ([a, c], b) => b.charge((len(a) * len(c)) / CHARS_PER_STEP)],
  ['glob.match', ([p, , s], b) => b.charge(regexWork(p, s))],

  // JSON, YAML and other encodings
  ['json.marshal', render],
  ['json.marshal_with_options', ([v, o], b) => render([v, o], b)],
  ['yaml.marshal', render],
  ['json.unmarshal', parse],
  ['yaml.unmarshal', parse],
  ['json.is_valid', parse],
  ['yaml.is_valid', parse],
  ['cast_string', render],
  ['base64.encode', grow(4 / 3)],
  ['base64url.encode', grow(4 / 3)],
  ['base64url.encode_no_pad', grow(4 / 3)],
  ['base64.decode', grow(1)],
  ['base64url.decode', grow(1)],
  ['base64.is_valid', scan],
  ['hex.encode', grow(2)],
  ['hex.decode', grow(1)],
  ['urlquery.encode', grow(3)],
  ['urlquery.decode', grow(1)],
  ['urlquery.encode_object', ([o], b) => render([o], b)],
  ['urlquery.decode_object', parse],

  // hashes and tokens: linear in the input, small results
  ...['crypto.md5', 'crypto.sha1', 'crypto.sha256', 'crypto.hmac.md5', 'crypto.hmac.sha1', 'crypto.hmac.sha256', 'crypto.hmac.sha512', 'crypto.hmac.equal']
    .map((name) => [name, scan] as const),
  ...['io.jwt.decode', 'io.jwt.decode_verify', 'json.verify_schema', 'json.match_schema'].map((name) => [name, parse] as const),
])
