/**
 * Rego bodies a hostile tenant may send, shared by the hostile-tenant suite (hostile.test.ts) and
 * its benchmark (loadtest/rego-hostile.ts). Each is legal Rego that grows a value or the work
 * without bound; each must end in eval_cancel_error within its budget.
 */

/** `x0 := seed; x1 := f(x0); ...` as body lines; the last line binds `r`. */
function doubling(step: (prev: string) => string, seed: string, n: number, last = `count(x${n})`): string[] {
  const lines = [`x0 := ${seed}`]
  for (let i = 1; i <= n; i++) lines.push(`x${i} := ${step(`x${i - 1}`)}`)
  return [...lines, `r := ${last}`]
}

/** Body lines per attack: joined with "; " they are an ad-hoc query, indented they are a rule body. */
export const ATTACKS: Record<string, string[]> = {
  'array.concat doubling x40': doubling((p) => `array.concat(${p}, ${p})`, '[1]', 40),
  'sprintf doubling x28': doubling((p) => `sprintf("%s%s", [${p}, ${p}])`, '"ab"', 28),
  'concat doubling x26': doubling((p) => `concat("", [${p}, ${p}])`, '"ab"', 26),
  'strings growth (replace x30)': doubling((p) => `replace(${p}, "a", "aa")`, '"a"', 30),
  'regex blowup (replace at every position of a growing text)': doubling((p) => `regex.replace(${p}, "(a|b|)*?", "ab")`, '"ab"', 20),
  'huge json.unmarshal': doubling((p) => `concat(",", [${p}, ${p}])`, '"1"', 22, 'count(json.unmarshal(concat("", ["[", x22, "]"])))'),
  'deep walk of a shared tree': doubling((p) => `{"a": ${p}, "b": ${p}}`, '1', 30, 'count([1 | walk(x30, _)])'),
  'integer squaring x30': doubling((p) => `${p} * ${p}`, '3', 30, 'x30 > 0'),
  'cross product': ['a := numbers.range(1, 100000)', 'r := count([[x, y] | some x in a; some y in a])'],
  'shared tree as a set element': doubling((p) => `[${p}, ${p}]`, '1', 40, '{x40}'),
  'shared tree as the result': doubling((p) => `[${p}, ${p}]`, '1', 40, 'x40'),
}

/** The attack as the body of `data.hostile.p`. */
export const attackModule = (lines: string[]): string => `package hostile\n\np := r if {\n\t${lines.join('\n\t')}\n}\n`
