/**
 * Rego abstract syntax. Terms are plain tagged objects so the compiler can rewrite them
 * (resolving rule names and imports into `data` refs) by building new nodes.
 */
import type { Value } from './value.ts'
import type { Location } from './errors.ts'

export type Term =
  | { t: 'scalar'; v: Value; loc: Location }
  | { t: 'var'; name: string; loc: Location }
  /** `head.path...`; `head` is a var (`data`, `input`, a local) or any term (`[1,2][i]`, `f(x).y`). */
  | { t: 'ref'; head: Term; path: Term[]; loc: Location }
  | { t: 'array'; items: Term[]; loc: Location }
  | { t: 'object'; pairs: Array<[Term, Term]>; loc: Location }
  | { t: 'set'; items: Term[]; loc: Location }
  /** `templ`: a template-string part holding an expression with `with` (see parser/terms.ts). */
  | { t: 'arraycompr'; term: Term; body: Expr[]; loc: Location; templ?: boolean }
  | { t: 'setcompr'; term: Term; body: Expr[]; loc: Location }
  | { t: 'objectcompr'; key: Term; value: Term; body: Expr[]; loc: Location }
  /** `name` is the dotted operator/function name as written (`count`, `data.lib.f`, `plus`). */
  | { t: 'call'; name: string; args: Term[]; loc: Location }
  | { t: 'template'; parts: Array<string | Term>; loc: Location }

export interface With { target: Term; value: Term; loc: Location }

export type ExprBody =
  | { k: 'term'; term: Term }
  | { k: 'unify'; lhs: Term; rhs: Term }
  | { k: 'assign'; lhs: Term; rhs: Term }
  | { k: 'some'; vars: Term[] }
  | { k: 'somein'; key?: Term; value: Term; coll: Term }
  | { k: 'every'; key?: Term; value: Term; coll: Term; body: Expr[] }
  | { k: 'not'; expr: Expr }

export type Expr = ExprBody & { with: With[]; loc: Location }

export type RuleKind = 'complete' | 'set' | 'func'

export interface ElseClause { value?: Term; body: Expr[]; loc: Location }

export interface RuleAst {
  /** Head ref: first element is the rule name var, then ref path terms (`p.q[x]`). */
  ref: Term[]
  kind: RuleKind
  args?: Term[]
  /** Set member for `contains` rules. */
  key?: Term
  /** Value term; omitted means `true`. */
  value?: Term
  /** How the value was written: `:=` forbids redefinition in OPA. */
  assign: boolean
  body: Expr[]
  elses: ElseClause[]
  isDefault: boolean
  loc: Location
  annotations?: Record<string, unknown>
}

export interface ImportAst { path: Term; alias?: string; loc: Location }

export interface ModuleAst {
  file: string
  /** Package path segments after `data`. */
  pkg: string[]
  pkgLoc: Location
  imports: ImportAst[]
  rules: RuleAst[]
  /** Package- and subpackages-scoped METADATA blocks. */
  annotations: Array<Record<string, unknown>>
}

export const mkVar = (name: string, loc: Location): Term => ({ t: 'var', name, loc })
