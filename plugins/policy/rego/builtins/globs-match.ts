/**
 * regex.globs_match: do two "regex globs" (literals, `.`, `[...]` classes, `*` `+` `?`) accept a
 * common string? Decided by searching the product of the two token automata.
 */
import { builtinError } from './args.ts'

interface CharSet { any: boolean; negate: boolean; ranges: Array<[number, number]> }
interface Token { set: CharSet; quant: '' | '*' | '?' }

const MAX_CP = 0x10ffff

function parse(glob: string): Token[] {
  const cps = Array.from(glob).map((c) => c.codePointAt(0) as number)
  const out: Token[] = []
  let i = 0
  const bad = (): never => { throw builtinError('regex.globs_match', `invalid glob: ${glob}`) }
  while (i < cps.length) {
    let set: CharSet
    const c = cps[i]
    if (c === 0x5c) {
      if (i + 1 >= cps.length) bad()
      set = { any: false, negate: false, ranges: [[cps[i + 1], cps[i + 1]]] }
      i += 2
    } else if (c === 0x2e) {
      set = { any: true, negate: false, ranges: [] }
      i++
    } else if (c === 0x5b) {
      i++
      const negate = cps[i] === 0x5e
      if (negate) i++
      const ranges: Array<[number, number]> = []
      while (i < cps.length && cps[i] !== 0x5d) {
        let lo = cps[i]
        if (lo === 0x5c) lo = cps[++i]
        i++
        let hi = lo
        if (cps[i] === 0x2d && i + 1 < cps.length && cps[i + 1] !== 0x5d) {
          hi = cps[i + 1] === 0x5c ? cps[i + 2] : cps[i + 1]
          i += cps[i + 1] === 0x5c ? 3 : 2
        }
        ranges.push([lo, hi])
      }
      if (i >= cps.length) bad()
      i++
      set = { any: false, negate, ranges }
    } else if (c === 0x2a || c === 0x2b || c === 0x3f) {
      return bad()
    } else {
      set = { any: false, negate: false, ranges: [[c, c]] }
      i++
    }
    const q = cps[i]
    if (q === 0x2a || q === 0x3f) {
      out.push({ set, quant: q === 0x2a ? '*' : '?' })
      i++
    } else if (q === 0x2b) {
      out.push({ set, quant: '' }, { set, quant: '*' })
      i++
    } else out.push({ set, quant: '' })
  }
  return out
}

function has(s: CharSet, c: number): boolean {
  if (s.any) return true
  const inside = s.ranges.some(([lo, hi]) => c >= lo && c <= hi)
  return s.negate ? !inside : inside
}

/** Intersection is a union of intervals bounded by the sets' endpoints, so probing them suffices. */
function intersects(a: CharSet, b: CharSet): boolean {
  const probes = new Set<number>([0, 0x61, MAX_CP])
  for (const [lo, hi] of [...a.ranges, ...b.ranges]) for (const p of [lo - 1, lo, hi, hi + 1]) if (p >= 0 && p <= MAX_CP) probes.add(p)
  for (const p of probes) if (has(a, p) && has(b, p)) return true
  return false
}

export function globsMatch(x: string, y: string): boolean {
  const a = parse(x)
  const b = parse(y)
  const seen = new Set<string>()
  const stack: Array<[number, number]> = [[0, 0]]
  while (stack.length > 0) {
    const [i, j] = stack.pop() as [number, number]
    const key = `${i},${j}`
    if (seen.has(key)) continue
    seen.add(key)
    if (i === a.length && j === b.length) return true
    if (i < a.length && a[i].quant !== '') stack.push([i + 1, j])
    if (j < b.length && b[j].quant !== '') stack.push([i, j + 1])
    if (i < a.length && j < b.length && intersects(a[i].set, b[j].set)) {
      stack.push([a[i].quant === '*' ? i : i + 1, b[j].quant === '*' ? j : j + 1])
    }
  }
  return false
}
