/**
 * Evaluation into OFREP results: values of every type, reasons, variants, metadata, targeting on
 * the context, `$flagd` properties, fractional splits (stable, proportional, moving only boundary
 * subjects), and OFREP's error codes.
 */
import t from 'tap'
import murmurhash from 'murmurhash'
import { bucketOf, evaluateAll, evaluateFlag, hash32, parseFlagDefinitions, type EvaluationResult } from '../../../plugins/cms/flags/index.ts'

const set = parseFlagDefinitions({
  metadata: { flagSet: 'shop' },
  flags: {
    'dark-mode': { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', metadata: { owner: 'web' } },
    banner: { state: 'ENABLED', variants: { hi: 'Hello', bye: 'Goodbye' }, defaultVariant: 'hi' },
    'max-items': { state: 'ENABLED', variants: { few: 5, many: 50.5 }, defaultVariant: 'few' },
    layout: { state: 'ENABLED', variants: { grid: { columns: 3, dense: true }, list: { columns: 1 } }, defaultVariant: 'list' },
    retired: { state: 'DISABLED', variants: { on: true, off: false }, defaultVariant: 'on', targeting: { if: [true, 'off', 'on'] } },
    staff: {
      state: 'ENABLED', variants: { yes: true, no: false }, defaultVariant: 'no',
      targeting: { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'yes', null] },
    },
    tier: {
      state: 'ENABLED', variants: { gold: 'gold', silver: 'silver', basic: 'basic' }, defaultVariant: 'basic',
      targeting: { if: [{ in: [{ var: 'user.plan' }, ['enterprise', 'business']] }, 'gold', { '>=': [{ var: 'user.orders' }, 10] }, 'silver', null] },
    },
    'as-bool': { state: 'ENABLED', variants: { true: 'T', false: 'F' }, defaultVariant: 'false', targeting: { '==': [{ var: 'beta' }, true] } },
    'app-version': { state: 'ENABLED', variants: { new: true, old: false }, defaultVariant: 'old', targeting: { if: [{ sem_ver: [{ var: 'version' }, '>=', '2.1.0'] }, 'new', 'old'] } },
    launch: { state: 'ENABLED', variants: { live: true, dark: false }, defaultVariant: 'dark', targeting: { if: [{ '>=': [{ var: '$flagd.timestamp' }, 1_800_000_000] }, 'live', 'dark'] } },
    'own-key': { state: 'ENABLED', variants: { a: 'a', b: 'b' }, defaultVariant: 'b', targeting: { if: [{ '==': [{ var: '$flagd.flagKey' }, 'own-key'] }, 'a', 'b'] } },
    rollout: { state: 'ENABLED', variants: { a: 'A', b: 'B', c: 'C' }, defaultVariant: 'a', targeting: { fractional: [['a', 10], ['b', 30], ['c', 60]] } },
    'rollout-wider': { state: 'ENABLED', variants: { a: 'A', b: 'B', c: 'C' }, defaultVariant: 'a', targeting: { fractional: [{ cat: ['rollout', { var: 'targetingKey' }] }, ['a', 20], ['b', 30], ['c', 50]] } },
    'by-org': { state: 'ENABLED', variants: { x: 1, y: 2 }, defaultVariant: 'x', targeting: { fractional: [{ var: 'org' }, ['x', 50], ['y', 50]] } },
    'gold-or-split': {
      state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off',
      targeting: { if: [{ '==': [{ var: 'plan' }, 'gold'] }, 'on', { fractional: [['on', 50], ['off', 50]] }] },
    },
    typo: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [true, 'onn', 'off'] } },
    numeric: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { '+': [1, 2] } },
    arithmetic: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ '>': [{ '*': [{ var: 'n' }, 2] }, 3] }, 'on', 'off'] } },
  },
})

const ok = (r: EvaluationResult) => {
  if (r.reason === 'ERROR') throw new Error(`unexpected failure ${r.errorCode}: ${r.errorDetails}`)
  return r
}

t.test('every flag type, with its variant, reason and metadata', async (t) => {
  t.same(evaluateFlag(set, 'dark-mode', {}), { key: 'dark-mode', value: false, reason: 'STATIC', variant: 'off', metadata: { flagSet: 'shop', owner: 'web' } })
  t.match(evaluateFlag(set, 'banner', { targetingKey: 'u' }), { value: 'Hello', variant: 'hi', reason: 'STATIC' })
  t.match(evaluateFlag(set, 'max-items', undefined), { value: 5, variant: 'few' }, 'no context at all is an empty context')
  t.same(ok(evaluateFlag(set, 'layout', {})).value, { columns: 1 })
  t.same(evaluateFlag(set, 'retired', {}), { key: 'retired', value: true, reason: 'DISABLED', variant: 'on', metadata: { flagSet: 'shop' } }, 'a disabled flag serves its default variant, whatever its targeting says')
})

t.test('targeting on the context', async (t) => {
  t.match(evaluateFlag(set, 'staff', { email: 'ann@example.com' }), { value: true, variant: 'yes', reason: 'TARGETING_MATCH' })
  t.match(evaluateFlag(set, 'staff', { email: 'bo@other.org' }), { value: false, variant: 'no', reason: 'DEFAULT' }, 'null from targeting: the default variant')
  t.match(evaluateFlag(set, 'staff', {}), { variant: 'no', reason: 'DEFAULT' }, 'ends_with on a missing attribute: the default variant')
  t.match(evaluateFlag(set, 'tier', { user: { plan: 'business' } }), { value: 'gold', reason: 'TARGETING_MATCH' })
  t.match(evaluateFlag(set, 'tier', { user: { plan: 'free', orders: 12 } }), { value: 'silver' })
  t.match(evaluateFlag(set, 'tier', { user: { plan: 'free', orders: 2 } }), { value: 'basic', reason: 'DEFAULT' })
  t.match(evaluateFlag(set, 'as-bool', { beta: true }), { value: 'T', variant: 'true' }, 'true/false from targeting name the variants "true"/"false"')
  t.match(evaluateFlag(set, 'as-bool', { beta: false }), { value: 'F', variant: 'false', reason: 'TARGETING_MATCH' })
  t.match(evaluateFlag(set, 'app-version', { version: '2.1.0' }), { value: true })
  t.match(evaluateFlag(set, 'app-version', { version: 'v2.3' }), { value: true }, 'v prefix and partial versions, as flagd')
  t.match(evaluateFlag(set, 'app-version', { version: '2.1.0-rc.1' }), { value: false, variant: 'old', reason: 'TARGETING_MATCH' }, 'a pre-release sorts before its release')
  t.match(evaluateFlag(set, 'app-version', { version: 'latest' }), { variant: 'old', reason: 'DEFAULT' }, 'a version that does not parse: the default variant')
})

t.test('$flagd.timestamp and $flagd.flagKey come from the evaluator, never from the caller', async (t) => {
  t.match(evaluateFlag(set, 'launch', {}, { now: 1_799_999_999_000 }), { variant: 'dark' })
  t.match(evaluateFlag(set, 'launch', {}, { now: 1_800_000_000_000 }), { variant: 'live' })
  t.match(evaluateFlag(set, 'launch', { $flagd: { timestamp: 2_000_000_000 } }, { now: 1_000_000_000_000 }), { variant: 'dark' }, 'a caller cannot set the clock')
  t.match(evaluateFlag(set, 'own-key', { $flagd: { flagKey: 'other' } }), { variant: 'a' })
})

t.test('fractional: stable, proportional to the weights, SPLIT', async (t) => {
  const counts: Record<string, number> = { A: 0, B: 0, C: 0 }
  const first = new Map<string, unknown>()
  let splits = 0
  for (let i = 0; i < 10_000; i++) {
    const r = ok(evaluateFlag(set, 'rollout', { targetingKey: `user-${i}` }))
    if (r.reason === 'SPLIT') splits++
    counts[r.value as string]++
    first.set(`user-${i}`, r.value)
  }
  t.equal(splits, 10_000, 'every result is SPLIT')
  t.ok(Math.abs(counts.A - 1000) < 150 && Math.abs(counts.B - 3000) < 250 && Math.abs(counts.C - 6000) < 250, `10/30/60 split of 10,000 ids: ${JSON.stringify(counts)}`)
  let same = 0
  for (let i = 0; i < 10_000; i += 7) if (ok(evaluateFlag(set, 'rollout', { targetingKey: `user-${i}`, unrelated: i })).value === first.get(`user-${i}`)) same++
  t.equal(same, Math.ceil(10_000 / 7), 'the same id gets the same variant every time, whatever else the context holds')
  const again = parseFlagDefinitions({ flags: { rollout: { state: 'ENABLED', variants: { a: 'A', b: 'B', c: 'C' }, defaultVariant: 'a', targeting: { fractional: [['a', 10], ['b', 30], ['c', 60]] } } } })
  t.equal(ok(evaluateFlag(again, 'rollout', { targetingKey: 'user-42' })).value, first.get('user-42'), 'and in a set parsed elsewhere (another process, another DC)')

  // Widening bucket a from 10% to 20% moves ids into a from b (and b's into c): no id leaves a.
  let leftA = 0
  let inA = 0
  for (let i = 0; i < 10_000; i++) {
    const narrow = first.get(`user-${i}`)
    const wide = ok(evaluateFlag(set, 'rollout-wider', { targetingKey: `user-${i}` })).value
    if (narrow === 'A') { inA++; if (wide !== 'A') leftA++ }
  }
  t.equal(leftA, 0, `none of the ${inA} ids in a left it when a grew`)
})

t.test('fractional: bucketing value, subject and failures', async (t) => {
  const a = ok(evaluateFlag(set, 'by-org', { targetingKey: 'x', org: 'acme' })).value
  for (const tk of ['y', 'z', undefined]) t.equal(ok(evaluateFlag(set, 'by-org', { targetingKey: tk, org: 'acme' })).value, a, 'an explicit bucketing value splits on it, not on the targeting key')
  t.match(evaluateFlag(set, 'rollout', {}), { reason: 'DEFAULT', variant: 'a' }, 'no subject to split on: the default variant')
  t.match(evaluateFlag(set, 'gold-or-split', { plan: 'gold', targetingKey: 'u1' }), { value: true, reason: 'TARGETING_MATCH' })
  t.match(evaluateFlag(set, 'gold-or-split', { plan: 'free', targetingKey: 'u1' }), { reason: 'SPLIT' }, 'a choice that went through a split is SPLIT')
})

t.test('MurmurHash3 x86_32 and the bucket arithmetic', async (t) => {
  t.equal(hash32(''), 0)
  t.equal(hash32('hello'), 0x248bfa47)
  t.equal(hash32('The quick brown fox jumps over the lazy dog'), 0x2e4ff723)
  // flagd's test bed: keys found by search whose hashes sit on the boundaries.
  t.same(['ejOoVL', 'bY9fO-', 'SI7p-', '6LvT0', 'ceQdGm'].map(hash32), [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1])
  t.equal(hash32('é'), murmurhash.v3(Uint8Array.of(0xc3, 0xa9)) >>> 0, 'strings hash as their UTF-8 bytes')
  t.not(hash32('é'), murmurhash.v3(Uint8Array.of(0xe9)) >>> 0, 'not as Latin-1 or UTF-16 code units')
  t.not(hash32('é'), hash32('\u00e9'.normalize('NFD')), 'no normalisation: the bytes are what is hashed')
  t.same([bucketOf(0, 100), bucketOf(2 ** 31 - 1, 100), bucketOf(2 ** 31, 100), bucketOf(2 ** 32 - 1, 100)], [0, 49, 50, 99])
  t.equal(bucketOf(2 ** 32 - 1, 2 ** 31 - 1), 2 ** 31 - 2, 'exact for the largest total weight (no float rounding)')
})

t.test("OFREP's errors", async (t) => {
  t.same(evaluateFlag(set, 'nope', {}), { key: 'nope', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', errorDetails: 'no flag "nope" in this environment' })
  t.match(evaluateFlag(undefined, 'dark-mode', {}), { errorCode: 'FLAG_NOT_FOUND' }, 'nothing published')
  t.match(evaluateFlag(set, 'dark-mode', { targetingKey: 42 }), { key: 'dark-mode', errorCode: 'INVALID_CONTEXT', errorDetails: /targetingKey: the targeting key must be a string/ })
  t.match(evaluateFlag(set, 'dark-mode', ['a']), { errorCode: 'INVALID_CONTEXT', errorDetails: /must be a JSON object/ })
  t.match(evaluateFlag(set, 'dark-mode', { when: new Date() }), { errorCode: 'INVALID_CONTEXT', errorDetails: /context\/when: not a plain JSON object/ })
  t.match(evaluateFlag(set, 'typo', {}), { errorCode: 'GENERAL', errorDetails: 'targeting chose "onn", which is not a variant of this flag' })
  t.match(evaluateFlag(set, 'numeric', {}), { errorCode: 'GENERAL', errorDetails: 'targeting returned 3, not a variant name' })
  t.match(evaluateFlag(set, 'arithmetic', { n: 'abc' }), { errorCode: 'GENERAL', errorDetails: /targeting failed: an arithmetic or comparison operand is not a number/ })
  t.match(evaluateFlag(set, 'arithmetic', { n: 2 }), { variant: 'on' })
})

t.test('bulk evaluation: every flag in order, failures per flag, an unusable context fails the whole', async (t) => {
  const bulk = evaluateAll(set, { targetingKey: 'u1', email: 'ann@example.com' })
  if (!('flags' in bulk)) throw new Error('bulk failed')
  t.same(bulk.flags.map((f) => f.key), [...set.flags.keys()])
  t.match(bulk.flags.find((f) => f.key === 'staff'), { value: true, reason: 'TARGETING_MATCH' })
  t.match(bulk.flags.find((f) => f.key === 'typo'), { reason: 'ERROR', errorCode: 'GENERAL' })
  t.match(bulk.flags.find((f) => f.key === 'retired'), { reason: 'DISABLED' })
  t.same(evaluateAll(undefined, {}), { flags: [] })
  t.match(evaluateAll(set, { targetingKey: ['u1'] }), { errorCode: 'INVALID_CONTEXT', errorDetails: /targetingKey/ })
  t.same(evaluateFlag(set, 'banner', {}), { key: 'banner', value: 'Hello', reason: 'STATIC', variant: 'hi', metadata: { flagSet: 'shop' } }, 'and the set is unchanged by it all')
})
