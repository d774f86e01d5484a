/**
 * Bounds on what tenants upload and what callers send. Definitions are checked against them when
 * they are published, contexts on every request, and evaluation is held to a step budget and a
 * deadline, so neither a hostile definition nor a hostile context can hold the event loop.
 */
export const LIMITS = {
  /** Flags in one set. */
  maxFlags: 5_000,
  /** Variants of one flag. */
  maxVariants: 1_000,
  /** JSON containers (objects and arrays) nested in one targeting rule: about 32 operators deep. */
  maxTargetingDepth: 64,
  /** JSON nodes of one flag's targeting, after `$ref`s are inlined. */
  maxTargetingNodes: 5_000,
  /** JSON nodes of the whole set (targeting after inlining, variants, metadata). */
  maxSetNodes: 500_000,
  /** Nesting of an object variant's value, and of a context. */
  maxValueDepth: 32,
  /** JSON nodes of one evaluation context. */
  maxContextNodes: 10_000,
  /** Metadata entries of the set and of each flag. */
  maxMetadataEntries: 64,
  /** Length of flag keys, variant names, evaluator names and metadata keys. */
  maxNameLength: 200,
  /** Operator calls one flag's evaluation may make. */
  maxSteps: 100_000,
  /** Operator calls one bulk evaluation may make over all its flags. */
  maxBulkSteps: 1_000_000,
  /** Wall-clock budget of one flag's evaluation, and of a whole bulk evaluation. */
  deadlineMs: 50,
  bulkDeadlineMs: 250,
  /** A string or array an operator builds (`cat`, `merge`, `map`...) may not grow past these. */
  maxStringLength: 65_536,
  maxArrayLength: 10_000,
} as const

/**
 * Keys refused in contexts, variant values and metadata: harmless in the objects built here, but a
 * client that deep-merges an object flag into its own state would let `__proto__` rewrite its
 * prototypes, and `constructor` shadows what JsonLogic's truthiness checks read.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])
