/**
 * A neutral access condition over one unknown document (the rag domain's read filter), produced
 * by the policy domain's partial evaluation of a Rego rule. Imports nothing.
 *
 * Semantics (Rego's, so a condition agrees with evaluating the policy per document):
 * - `field` is a path relative to the unknown (input.document.access.users -> ['access','users']);
 *   a missing path is *undefined*.
 * - eq/ne/lt/lte/gt/gte are false when the field is undefined (`ne false` is Rego truthiness:
 *   defined and not false); ordering across types is Rego's (null < boolean < number < string <
 *   array < object).
 * - `in`: the field is defined and equal to one of `values`.
 * - `contains`: the field is an array (or object: its values) with an element equal to `value`.
 * - `overlaps`: the field is an array (or object) sharing at least one element with `values`.
 * - `not` is boolean negation (so `not eq` holds for an undefined field).
 */
export type Scalar = string | number | boolean
export type DocField = { path: string[] } // path relative to the unknown, e.g. input.document.access.users -> ['access','users']
export type AccessCondition =
  | { op: 'true' }
  | { op: 'false' }
  | { op: 'and' | 'or'; args: AccessCondition[] }
  | { op: 'not'; arg: AccessCondition }
  | { op: 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'; field: DocField; value: Scalar | null }
  | { op: 'in'; field: DocField; values: Scalar[] } // field's value is one of values
  | { op: 'contains'; field: DocField; value: Scalar } // array field contains value
  | { op: 'overlaps'; field: DocField; values: Scalar[] } // array field shares any of values

export interface FilterRequest {
  /** Rule path under data, slash-separated, e.g. `dyad/rag/read`. */
  path: string
  /** The known part of the input (subject, action, ...). */
  input: unknown
  /** Unknown refs, e.g. `['input.document']`: the condition's fields are relative to the first. */
  unknowns: string[]
}

/** Implemented by the policy domain; the composition root hands it to the rag domain. */
export interface FilterCompiler {
  /** The condition under which the rule at `req.path` is true; throws POLICY_PARTIAL_UNSUPPORTED when it cannot be expressed. */
  compileFilter(projectId: string, req: FilterRequest): Promise<AccessCondition>
}
