/**
 * Publishing flag definitions: flagd's format is accepted as flagd users write it, and every
 * mistake or hostile construct is refused with CMS_FLAGS_INVALID_DEFINITION and the JSON pointer of
 * the problem, quickly, whatever the document's size or nesting.
 */
import t, { type Test } from 'tap'
import { FlagErrors, LIMITS, parseFlagDefinitions } from '../../../plugins/cms/flags/index.ts'

const flag = (extra: Record<string, unknown> = {}) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...extra })

/** The error parseFlagDefinitions throws for `doc`, asserted to be a definition error. */
function refusal(t: Test, doc: unknown) {
  try {
    parseFlagDefinitions(doc)
  } catch (err) {
    t.ok(FlagErrors.invalidDefinition.is(err), 'CMS_FLAGS_INVALID_DEFINITION')
    t.equal((err as { statusCode: number }).statusCode, 422)
    return err as Error & { details: { pointer: string; problem: string } }
  }
  t.fail('the definitions were accepted')
  return { message: '', details: { pointer: '', problem: '' } } as Error & { details: { pointer: string; problem: string } }
}

t.test('flagd documents parse into a set: types, metadata, $refs inlined, empty targeting is none', async (t) => {
  const set = parseFlagDefinitions(JSON.stringify({
    $schema: 'https://flagd.dev/schema/v0/flags.json',
    metadata: { team: 'web', version: 3 },
    $evaluators: { staff: { ends_with: [{ var: 'email' }, '@example.com'] } },
    flags: {
      'new-ui': flag({ metadata: { version: 4, owner: 'ann' }, targeting: { if: [{ $ref: 'staff' }, 'on', null] } }),
      color: { state: 'DISABLED', variants: { red: '#f00', blue: '#00f' }, defaultVariant: 'red', targeting: {} },
      limit: { state: 'ENABLED', variants: { low: 10, high: 1.5 }, defaultVariant: 'low' },
      layout: { state: 'ENABLED', variants: { grid: { columns: 3, tags: ['a'] }, list: [1, 2] }, defaultVariant: 'grid' },
    },
  }))
  t.same([...set.flags.keys()], ['new-ui', 'color', 'limit', 'layout'], 'definition order is kept')
  t.same([...set.flags.values()].map((f) => f.type), ['boolean', 'string', 'number', 'object'])
  const ui = set.flags.get('new-ui')!
  t.same(ui.targeting, { if: [{ ends_with: [{ var: 'email' }, '@example.com'] }, 'on', null] }, '$ref inlined')
  t.same(ui.metadata, { team: 'web', version: 4, owner: 'ann' }, "the flag's metadata overlays the set's")
  t.equal(set.flags.get('color')!.targeting, undefined, 'targeting {} is no targeting')
  t.equal(set.flags.get('color')!.state, 'DISABLED')
  t.ok(Object.isFrozen(set.flags.get('layout')!.variants.get('grid')), 'object variants are frozen')
  t.equal(set.timeDependent, false)
  t.equal(parseFlagDefinitions({ flags: { t: flag({ targeting: { '>': [{ var: '$flagd.timestamp' }, 1] } }) } }).timeDependent, true, 'reading $flagd.timestamp makes the set time dependent')
  t.equal(parseFlagDefinitions({ flags: { t: flag({ targeting: { var: [{ cat: ['a'] }] } }) } }).timeDependent, true, 'so does a computed var path')
})

const cases: Array<[string, unknown, string, RegExp]> = [
  ['not JSON', '{"flags": ', '', /not JSON/],
  ['not an object', [], '', /must be a JSON object/],
  ['no flags', {}, '/flags', /flags must be a JSON object/],
  ['unknown top-level member', { flags: {}, flag: {} }, '/flag', /unknown member "flag"/],
  ['unknown flag member', { flags: { a: flag({ defaultvariant: 'on' }) } }, '/flags/a/defaultvariant', /unknown member/],
  ['unknown state', { flags: { a: flag({ state: 'ON' }) } }, '/flags/a/state', /"ENABLED" or "DISABLED", not "ON"/],
  ['missing state', { flags: { a: { variants: { on: true }, defaultVariant: 'on' } } }, '/flags/a/state', /not missing/],
  ['defaultVariant not a variant', { flags: { a: flag({ defaultVariant: 'maybe' }) } }, '/flags/a/defaultVariant', /"maybe" must name one of the variants \("on", "off"\)/],
  ['missing defaultVariant', { flags: { a: { state: 'ENABLED', variants: { on: true } } } }, '/flags/a/defaultVariant', /is missing/],
  ['mixed variant types', { flags: { a: flag({ variants: { on: true, off: 'false' } }) } }, '/flags/a/variants/off', /"off" is a string but "on" is a boolean/],
  ['object and number variants', { flags: { a: { state: 'ENABLED', variants: { x: { a: 1 }, y: 2 }, defaultVariant: 'x' } } }, '/flags/a/variants/y', /is a number but "x" is an object/],
  ['null variant', { flags: { a: flag({ variants: { on: null } }) } }, '/flags/a/variants/on', /cannot be null/],
  ['no variants', { flags: { a: flag({ variants: {} }) } }, '/flags/a/variants', /1 to/],
  ['variant name escaped in the pointer', { flags: { a: flag({ variants: { on: true, 'a/b~c': 1 } }) } }, '/flags/a/variants/a~1b~0c', /is a number/],
  ['unknown operator', { flags: { a: flag({ targeting: { if: [{ regex_match: [{ var: 'email' }, '.*'] }, 'on', 'off'] } }) } }, '/flags/a/targeting/if/0/regex_match', /unknown operator "regex_match"/],
  ['two operators in one object', { flags: { a: flag({ targeting: { if: [true, 'on'], var: 'x' } }) } }, '/flags/a/targeting', /exactly one operator, not 2 keys/],
  ['nested empty object', { flags: { a: flag({ targeting: { if: [{}, 'on', 'off'] } }) } }, '/flags/a/targeting/if/0', /exactly one operator, not 0/],
  ['targeting not an object', { flags: { a: flag({ targeting: 'on' }) } }, '/flags/a/targeting', /targeting must be a JSON object/],
  ['wrong argument count', { flags: { a: flag({ targeting: { starts_with: ['x'] } }) } }, '/flags/a/targeting/starts_with', /"starts_with" takes 2 arguments, not 1/],
  ['unknown sem_ver operator', { flags: { a: flag({ targeting: { sem_ver: [{ var: 'v' }, '===', '1.0.0'] } }) } }, '/flags/a/targeting/sem_ver/1', /not a sem_ver operator/],
  ['$ref to a missing evaluator', { flags: { a: flag({ targeting: { if: [{ $ref: 'nope' }, 'on', 'off'] } }) } }, '/flags/a/targeting/if/0/$ref', /no evaluator "nope"/],
  ['$ref that is not a name', { $evaluators: {}, flags: { a: flag({ targeting: { $ref: 3 } }) } }, '/flags/a/targeting/$ref', /names an evaluator/],
  ['$ref cycle', { $evaluators: { a: { or: [{ $ref: 'b' }] }, b: { and: [{ $ref: 'a' }] } }, flags: {} }, '/$evaluators/b/and/0/$ref', /"a" refers to itself \(a -> b -> a\)/],
  ['a mistake inside an evaluator', { $evaluators: { e: { in: ['x'] } }, flags: { a: flag({ targeting: { $ref: 'e' } }) } }, '/$evaluators/e/in', /takes 2 arguments/],
  ['bad flag key', { flags: { 'has space': flag() } }, '/flags/has space', /flag keys are/],
  ['flag key with a slash', { flags: { 'a/b': flag() } }, '/flags/a~1b', /flag keys are/],
  ['metadata that is not flat', { flags: { a: flag({ metadata: { owner: { name: 'x' } } }) } }, '/flags/a/metadata/owner', /strings, numbers or booleans/],
  ['infinite number in targeting', { flags: { a: flag({ targeting: { '>': [{ var: 'n' }, Infinity] } }) } }, '/flags/a/targeting/>/1', /finite/],
  ['$schema not a string', { $schema: 1, flags: {} }, '/$schema', /must be a string/],
]
for (const [name, doc, pointer, problem] of cases) {
  t.test(`refused: ${name}`, async (t) => {
    const err = refusal(t, doc)
    t.equal(err.details.pointer, pointer, 'pointer')
    t.match(err.details.problem, problem)
    t.match(err.message, `${pointer || '/'}: `, 'the message starts with the pointer')
  })
}

t.test('__proto__, constructor and prototype keys are refused in variants and metadata', async (t) => {
  // JSON.parse makes "__proto__" an own key, the way a tenant's upload arrives.
  const text = '{"flags":{"a":{"state":"ENABLED","defaultVariant":"x","variants":{"x":{"ok":{"__proto__":{"polluted":true}}}}}}}'
  t.equal(refusal(t, text).details.pointer, '/flags/a/variants/x/ok/__proto__')
  t.equal(refusal(t, JSON.parse(text)).details.pointer, '/flags/a/variants/x/ok/__proto__', 'parsed or text alike')
  t.equal(refusal(t, { flags: { a: flag({ metadata: { constructor: 'x' } }) } }).details.pointer, '/flags/a/metadata/constructor')
  t.equal(refusal(t, { flags: { a: flag({ variants: { on: true, prototype: false } }) } }).details.pointer, '/flags/a/variants/prototype')
  t.equal(refusal(t, '{"flags":{"__proto__":{"state":"ENABLED","variants":{"a":1},"defaultVariant":"a"}}}').details.pointer, '/flags/__proto__')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
})

t.test('size and nesting limits', async (t) => {
  let deep: unknown = { var: 'x' }
  for (let i = 0; i < 40; i++) deep = { '!': [deep] }
  let err = refusal(t, { flags: { a: flag({ targeting: deep }) } })
  t.equal(err.details.pointer, '/flags/a/targeting')
  t.match(err.details.problem, `more than ${LIMITS.maxTargetingDepth} levels`)

  // Nesting far past any stack: refused at the limit, without recursing further.
  let abyss: unknown = 1
  for (let i = 0; i < 200_000; i++) abyss = [abyss]
  err = refusal(t, { flags: { a: flag({ targeting: { if: abyss } }) } })
  t.match(err.details.problem, /levels deep/)
  let deepValue: unknown = 1
  for (let i = 0; i < 200_000; i++) deepValue = { v: deepValue }
  t.match(refusal(t, { flags: { a: { state: 'ENABLED', variants: { x: deepValue }, defaultVariant: 'x' } } }).details.problem, /nested more than 32 levels/)

  const wide = { or: Array.from({ length: LIMITS.maxTargetingNodes }, (_, i) => ({ '==': [{ var: 'id' }, i] })) }
  t.match(refusal(t, { flags: { a: flag({ targeting: wide }) } }).details.problem, `more than ${LIMITS.maxTargetingNodes} nodes`)

  // A "billion laughs" of evaluators: each level uses the previous one twice, 2^40 nodes inlined.
  const $evaluators: Record<string, unknown> = { e0: { var: 'x' } }
  for (let i = 1; i <= 40; i++) $evaluators[`e${i}`] = { and: [{ $ref: `e${i - 1}` }, { $ref: `e${i - 1}` }] }
  const started = performance.now()
  err = refusal(t, { $evaluators, flags: { a: flag({ targeting: { $ref: 'e40' } }) } })
  t.match(err.details.problem, /nodes once \$refs are inlined/)
  t.ok(performance.now() - started < 2000, `refused in ${Math.round(performance.now() - started)} ms`)

  const many = Object.fromEntries(Array.from({ length: LIMITS.maxFlags + 1 }, (_, i) => [`f${i}`, flag()]))
  t.match(refusal(t, { flags: many }).details.problem, `more than ${LIMITS.maxFlags} flags`)
})
