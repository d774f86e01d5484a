/**
 * The targeting scenarios of flagd's shared test bed (open-feature/flagd-testbed, gherkin/
 * targeting.feature, its "fractional-v2" vectors and operator-error cases), re-expressed here: the
 * same definitions must resolve the same way, so a flagd user's rules and rollouts keep their
 * assignments when they move to Dyad.
 */
import t, { type Test } from 'tap'
import { evaluateFlag, parseFlagDefinitions, type EvaluationResult } from '../../../plugins/cms/flags/index.ts'

const same = (...names: string[]) => Object.fromEntries(names.map((n) => [n, n]))
const suits = ['clubs', 'diamonds', 'hearts', 'spades'].map((s) => [s, 25])
const byName = (seed: unknown) => ({ fractional: [{ cat: [seed, { var: 'user.name' }] }, ...suits] })
const ifElse = (cond: unknown) => ({ if: [cond, 'true', 'false'] })
const errorFlag = (targeting: unknown) => ({ state: 'ENABLED', variants: same('true', 'false', 'fallback'), defaultVariant: 'fallback', targeting })

const set = parseFlagDefinitions({
  flags: {
    'fractional-flag': { state: 'ENABLED', variants: same('clubs', 'diamonds', 'hearts', 'spades', 'wild'), defaultVariant: 'wild', targeting: byName({ var: '$flagd.flagKey' }) },
    'fractional-flag-A-shared-seed': { state: 'ENABLED', variants: same('clubs', 'diamonds', 'hearts', 'spades', 'wild'), defaultVariant: 'wild', targeting: byName('shared-seed') },
    'fractional-flag-B-shared-seed': {
      state: 'ENABLED',
      variants: { clubs: 'ace-of-clubs', diamonds: 'ace-of-diamonds', hearts: 'ace-of-hearts', spades: 'ace-of-spades', wild: 'wild' },
      defaultVariant: 'wild',
      targeting: byName('shared-seed'),
    },
    'fractional-flag-shorthand': { state: 'ENABLED', variants: same('heads', 'tails', 'draw'), defaultVariant: 'draw', targeting: { fractional: [['heads'], ['tails', 1]] } },
    'fractional-single-entry-flag': { state: 'ENABLED', variants: same('single', 'fallback'), defaultVariant: 'fallback', targeting: { fractional: [['single', 1]] } },
    'fractional-hash-edge-flag': { state: 'ENABLED', variants: same('lower', 'upper'), defaultVariant: 'lower', targeting: { fractional: [{ var: 'targetingKey' }, ['lower', 50], ['upper', 50]] } },
    'fractional-nested-if-flag': {
      state: 'ENABLED', variants: same('premium', 'standard', 'fallback'), defaultVariant: 'fallback',
      targeting: { fractional: [{ var: 'targetingKey' }, [{ if: [{ '==': [{ var: 'tier' }, 'premium'] }, 'premium', 'standard'] }, 50], ['standard', 50]] },
    },
    'fractional-nested-var-flag': {
      state: 'ENABLED', variants: same('red', 'green', 'blue', 'fallback'), defaultVariant: 'fallback',
      targeting: { fractional: [{ var: 'targetingKey' }, [{ var: 'color' }, 50], ['blue', 50]] },
    },
    'fractional-nested-weight-flag': {
      state: 'ENABLED', variants: same('red', 'blue', 'fallback'), defaultVariant: 'fallback',
      targeting: { fractional: [{ var: 'targetingKey' }, ['red', { if: [{ '==': [{ var: 'tier' }, 'premium'] }, 100, 0] }], ['blue', 10]] },
    },
    'fractional-as-condition-flag': { state: 'ENABLED', variants: { big: 'hundreds', small: 'ones', fallback: 'zero' }, defaultVariant: 'fallback', targeting: { if: [{ fractional: [[false, 0], [true, 100]] }, 'big', 'small'] } },
    'fractional-as-condition-false-flag': { state: 'ENABLED', variants: { big: 'hundreds', small: 'ones', fallback: 'zero' }, defaultVariant: 'fallback', targeting: { if: [{ fractional: [[false, 100], [true, 0]] }, 'big', 'small'] } },
    'starts-ends-flag': {
      state: 'ENABLED', variants: same('prefix', 'postfix', 'none'), defaultVariant: 'none',
      targeting: { if: [{ starts_with: [{ var: 'id' }, 'abc'] }, 'prefix', { if: [{ ends_with: [{ var: 'id' }, 'xyz'] }, 'postfix', { if: [{ ends_with: [{ var: 'id' }, 3] }, 'fail', 'none'] }] }] },
    },
    'equal-greater-lesser-version-flag': {
      state: 'ENABLED', variants: same('equal', 'greater', 'lesser', 'none'), defaultVariant: 'none',
      targeting: {
        if: [{ sem_ver: [{ var: 'version' }, '=', '2.0.0'] }, 'equal', { sem_ver: [{ var: 'version' }, '>', '2.0.0'] }, 'greater', { sem_ver: [{ var: 'version' }, '<', '2.0.0'] }, 'lesser', { if: [{ sem_ver: [{ var: 'version' }, '=', '2.0.0.0'] }, 'fail', 'none'] }],
      },
    },
    'major-minor-version-flag': {
      state: 'ENABLED', variants: same('minor', 'major', 'none'), defaultVariant: 'none',
      targeting: { if: [{ sem_ver: [{ var: 'version' }, '~', '3.0.0'] }, 'minor', { sem_ver: [{ var: 'version' }, '^', '3.0.0'] }, 'major', 'none'] },
    },
    'semver-v-prefix-flag': { state: 'ENABLED', variants: same('match', 'no-match'), defaultVariant: 'no-match', targeting: { if: [{ sem_ver: [{ var: 'version' }, '=', 'v1.0.0'] }, 'match', 'no-match'] } },
    'semver-partial-version-flag': { state: 'ENABLED', variants: same('match', 'no-match'), defaultVariant: 'no-match', targeting: { if: [{ sem_ver: [{ var: 'version' }, '^', '1'] }, 'match', 'no-match'] } },
    'semver-build-metadata-flag': { state: 'ENABLED', variants: same('match', 'no-match'), defaultVariant: 'no-match', targeting: { if: [{ sem_ver: [{ var: 'version' }, '=', '1.0.0+build'] }, 'match', 'no-match'] } },
    'targeting-key-flag': { state: 'ENABLED', variants: same('hit', 'miss'), defaultVariant: 'miss', targeting: { if: [{ '==': [{ var: 'targetingKey' }, '5c3d8535-f81a-4478-a6d3-afaa4d51199e'] }, 'hit', null] } },
    'timestamp-flag': { state: 'ENABLED', variants: { past: -1, future: 1, none: 0 }, defaultVariant: 'none', targeting: { if: [{ '>': [{ var: '$flagd.timestamp' }, { var: 'time' }] }, 'past', { '<': [{ var: '$flagd.timestamp' }, { var: 'time' }] }, 'future', 'none'] } },
    'targeting-null-variant-flag': { state: 'ENABLED', variants: { one: 1, two: 2 }, defaultVariant: 'two', targeting: { if: [true, null, 'one'] } },
    'missing-variant-targeting-flag': { state: 'ENABLED', variants: { one: 1, two: 2 }, defaultVariant: 'two', targeting: { if: [true, 'three', 'one'] } },
    'non-string-variant-targeting-flag': { state: 'ENABLED', variants: { false: 1, true: 2 }, defaultVariant: 'false', targeting: { if: [true, true, false] } },
    'empty-targeting-flag': { state: 'ENABLED', variants: { false: 1, true: 2 }, defaultVariant: 'false', targeting: {} },
    'semver-invalid-version-flag': errorFlag(ifElse({ sem_ver: [{ var: 'version' }, '=', '1.0.0'] })),
    'fractional-null-bucket-key-flag': errorFlag(ifElse({ fractional: [{ var: 'missing_key' }, ['one', 50], ['two', 50]] })),
    'starts-with-non-string-flag': errorFlag(ifElse({ starts_with: [{ var: 'num' }, 'abc'] })),
    'ends-with-non-string-flag': errorFlag(ifElse({ ends_with: [{ var: 'num' }, 'xyz'] })),
    'fractional-zero-weights-flag': errorFlag(ifElse({ fractional: [{ var: 'targetingKey' }, ['one', 0], ['two', 0]] })),
    'fractional-negative-weight-flag': { state: 'ENABLED', variants: same('one', 'two', 'fallback'), defaultVariant: 'fallback', targeting: { fractional: [{ var: 'targetingKey' }, ['one', -50], ['two', 100]] } },
  },
})

const value = (r: EvaluationResult) => (r.reason === 'ERROR' ? `error ${r.errorCode}` : r.value)
const check = (t: Test, key: string, rows: Array<[Record<string, unknown>, unknown, string?]>) => {
  for (const [context, expected, reason] of rows) {
    const r = evaluateFlag(set, key, context, { now: 2_000_000_000_000 })
    t.same(value(r), expected, `${key} ${JSON.stringify(context)} -> ${JSON.stringify(expected)}`)
    if (reason) t.equal(r.reason, reason)
  }
}
const user = (name: string) => ({ user: { name } })

t.test('fractional (v2 bucketing)', async (t) => {
  check(t, 'fractional-flag', [[user('jack'), 'hearts', 'SPLIT'], [user('queen'), 'spades'], [user('ten'), 'clubs'], [user('nine'), 'diamonds'], [user('3'), 'clubs']])
  check(t, 'fractional-flag-shorthand', [[{ targetingKey: 'jon@company.com' }, 'heads'], [{ targetingKey: 'jane@company.com' }, 'tails']])
  check(t, 'fractional-single-entry-flag', [[{}, 'single']])
  check(t, 'fractional-flag-A-shared-seed', [[user('seven'), 'hearts'], [user('eight'), 'diamonds'], [user('nine'), 'clubs'], [user('two'), 'spades']])
  check(t, 'fractional-flag-B-shared-seed', [[user('seven'), 'ace-of-hearts'], [user('eight'), 'ace-of-diamonds'], [user('nine'), 'ace-of-clubs'], [user('two'), 'ace-of-spades']])
  check(t, 'fractional-hash-edge-flag', [['ejOoVL', 'lower'], ['bY9fO-', 'lower'], ['SI7p-', 'lower'], ['6LvT0', 'upper'], ['ceQdGm', 'upper']].map(([k, v]) => [{ targetingKey: k }, v] as [Record<string, unknown>, unknown]))
})

t.test('fractional with nested expressions', async (t) => {
  const jon = 'jon@company.com'
  check(t, 'fractional-nested-if-flag', [[{ targetingKey: jon, tier: 'premium' }, 'premium'], [{ targetingKey: jon, tier: 'basic' }, 'standard'], [{ targetingKey: 'user1', tier: 'premium' }, 'standard'], [{ targetingKey: 'user1', tier: 'basic' }, 'standard']])
  // flagd's "fallback" rows are its SDK's code default after an error: a variant the flag lacks.
  check(t, 'fractional-nested-var-flag', [[{ targetingKey: jon, color: 'red' }, 'red'], [{ targetingKey: jon, color: 'green' }, 'green'], [{ targetingKey: 'user1', color: 'red' }, 'blue'], [{ targetingKey: jon, color: 'yellow' }, 'error GENERAL'], [{ targetingKey: jon, color: '' }, 'error GENERAL']])
  check(t, 'fractional-nested-weight-flag', [[{ targetingKey: jon, tier: 'premium' }, 'red'], [{ targetingKey: jon, tier: 'basic' }, 'blue'], [{ targetingKey: 'user1', tier: 'premium' }, 'red'], [{ targetingKey: 'user1', tier: 'basic' }, 'blue']])
  check(t, 'fractional-as-condition-flag', [[{ targetingKey: 'some-targeting-key' }, 'hundreds']])
  check(t, 'fractional-as-condition-false-flag', [[{ targetingKey: 'some-targeting-key' }, 'ones']])
})

t.test('starts_with, ends_with, sem_ver, targetingKey, $flagd.timestamp', async (t) => {
  check(t, 'starts-ends-flag', [[{ id: 'abcdef' }, 'prefix'], [{ id: 'uvwxyz' }, 'postfix'], [{ id: 'abcxyz' }, 'prefix'], [{ id: 'lmnopq' }, 'none'], [{ id: '3' }, 'none']])
  check(t, 'equal-greater-lesser-version-flag', [[{ version: '2.0.0' }, 'equal'], [{ version: '2.1.0' }, 'greater'], [{ version: '1.9.0' }, 'lesser'], [{ version: '2.0.0-alpha' }, 'lesser'], [{ version: '2.0.0.0' }, 'none']])
  check(t, 'major-minor-version-flag', [[{ version: '3.0.1' }, 'minor'], [{ version: '3.1.0' }, 'major'], [{ version: '4.0.0' }, 'none']])
  check(t, 'semver-v-prefix-flag', [[{ version: '1.0.0' }, 'match'], [{ version: 'v1.0.0' }, 'match'], [{ version: 'V1.0.0' }, 'match'], [{ version: '2.0.0' }, 'no-match']])
  check(t, 'semver-partial-version-flag', [[{ version: '1.5.0' }, 'match'], [{ version: '1.0.0' }, 'match'], [{ version: '1.0' }, 'match'], [{ version: '1' }, 'match'], [{ version: 1 }, 'match'], [{ version: '2.0.0' }, 'no-match']])
  check(t, 'semver-build-metadata-flag', [[{ version: '1.0.0' }, 'match'], [{ version: '1.0.0+other' }, 'match'], [{ version: '2.0.0' }, 'no-match']])
  check(t, 'targeting-key-flag', [[{ targetingKey: '5c3d8535-f81a-4478-a6d3-afaa4d51199e' }, 'hit', 'TARGETING_MATCH'], [{ targetingKey: 'f20bd32d-703b-48b6-bc8e-79d53c85134a' }, 'miss', 'DEFAULT']])
  check(t, 'timestamp-flag', [[{ time: 1 }, -1], [{ time: 4_133_980_802 }, 1]])
})

t.test('edge cases and operator errors', async (t) => {
  check(t, 'targeting-null-variant-flag', [[{}, 2, 'DEFAULT']])
  check(t, 'missing-variant-targeting-flag', [[{}, 'error GENERAL']])
  check(t, 'non-string-variant-targeting-flag', [[{}, 2, 'TARGETING_MATCH']])
  check(t, 'empty-targeting-flag', [[{}, 1, 'STATIC']])
  check(t, 'semver-invalid-version-flag', [[{ version: 'not-a-version' }, 'fallback', 'DEFAULT']])
  check(t, 'fractional-null-bucket-key-flag', [[{}, 'fallback', 'DEFAULT']])
  check(t, 'starts-with-non-string-flag', [[{ num: 123 }, 'fallback', 'DEFAULT']])
  check(t, 'ends-with-non-string-flag', [[{ num: 123 }, 'fallback', 'DEFAULT']])
  check(t, 'fractional-zero-weights-flag', [[{ targetingKey: 'any-user' }, 'fallback', 'DEFAULT']])
  check(t, 'fractional-negative-weight-flag', [[{ targetingKey: 'any-user' }, 'two', 'SPLIT']])
})
