/**
 * Hostile definitions and contexts at evaluation time: no prototype is reachable or writable, no
 * rule or context holds the event loop (step budget, deadline, bounded strings and arrays), and a
 * bulk evaluation of many expensive rules is bounded as a whole.
 */
import t from 'tap'
import { evaluateAll, evaluateFlag, LIMITS, parseFlagDefinitions } from '../../../plugins/cms/flags/index.ts'

const flag = (targeting: unknown, variants: Record<string, unknown> = { on: 'on', off: 'off' }) => ({ state: 'ENABLED', variants, defaultVariant: 'off', targeting })

t.test('prototypes are neither readable nor writable through context or rules', async (t) => {
  const set = parseFlagDefinitions({
    flags: {
      ctor: flag({ if: [{ var: 'constructor.name' }, 'on', 'off'] }),
      proto: flag({ if: [{ var: '__proto__' }, 'on', 'off'] }),
      method: flag({ if: [{ var: 'toString' }, 'on', 'off'] }),
      length: flag({ if: [{ '==': [{ var: 'name.length' }, 3] }, 'on', 'off'] }),
      inherited: flag({ if: [{ missing: ['hasOwnProperty'] }, 'off', 'on'] }),
      index: flag({ if: [{ var: 'list.1' }, 'on', 'off'] }),
    },
  })
  for (const key of ['ctor', 'proto', 'method', 'length', 'inherited']) {
    t.match(evaluateFlag(set, key, { name: 'ann' }), { variant: 'off' }, `${key}: only own properties are found`)
  }
  t.match(evaluateFlag(set, 'index', { list: ['a', 'b'] }), { variant: 'on' }, 'array indexes still work')

  for (const text of ['{"__proto__":{"polluted":1}}', '{"a":{"constructor":{"prototype":{"polluted":1}}}}', '{"a":[{"prototype":1}]}']) {
    t.match(evaluateFlag(set, 'ctor', JSON.parse(text)), { errorCode: 'INVALID_CONTEXT', errorDetails: /is not allowed/ }, text)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')

  const objects = parseFlagDefinitions({ flags: { o: { state: 'ENABLED', variants: { a: { deep: { list: [1] } } }, defaultVariant: 'a' } } })
  const value = (evaluateFlag(objects, 'o', {}) as unknown as { value: { deep: { list: number[] } } }).value
  t.throws(() => value.deep.list.push(2), TypeError, 'a returned object variant is frozen, so no caller can change the set')
})

t.test('contexts are bounded in depth and size', async (t) => {
  const set = parseFlagDefinitions({ flags: { f: flag({ if: [{ var: 'a' }, 'on', 'off'] }) } })
  let deep: Record<string, unknown> = {}
  for (let i = 0; i < 100_000; i++) deep = { a: deep }
  t.match(evaluateFlag(set, 'f', deep), { errorCode: 'INVALID_CONTEXT', errorDetails: `nested more than ${LIMITS.maxValueDepth} levels deep` })
  const wide = Object.fromEntries(Array.from({ length: LIMITS.maxContextNodes + 1 }, (_, i) => [`k${i}`, i]))
  t.match(evaluateFlag(set, 'f', wide), { errorCode: 'INVALID_CONTEXT', errorDetails: `more than ${LIMITS.maxContextNodes} values` })
  t.match(evaluateFlag(set, 'f', { a: () => 1 }), { errorCode: 'INVALID_CONTEXT', errorDetails: 'context/a: function values are not JSON' })
  t.match(evaluateFlag(set, 'f', { a: Number.NaN }), { errorCode: 'INVALID_CONTEXT', errorDetails: /finite/ })
})

// A context array at the size limit, and rules whose cost explodes with it.
const items = Array.from({ length: 5_000 }, (_, i) => i)
const EXPENSIVE: Record<string, unknown> = {
  // Every step builds a longer array: quadratic copying, stopped by the step budget or the deadline.
  quadratic: { if: [{ reduce: [{ var: 'items' }, { merge: [{ var: 'accumulator' }, [{ var: 'current' }]] }, []] }, 'on', 'off'] },
  // Doubling a string per element: 2^5000 characters, stopped at LIMITS.maxStringLength.
  doubling: { if: [{ reduce: [{ var: 'items' }, { cat: [{ var: 'accumulator' }, { var: 'accumulator' }] }, 'x'] }, 'on', 'off'] },
  // Doubling an array the same way.
  merging: { if: [{ reduce: [{ var: 'items' }, { merge: [{ var: 'accumulator' }, { var: 'accumulator' }] }, [1]] }, 'on', 'off'] },
  // A loop in a loop: 5,000 x 1,000 operator calls without the budget.
  nested: { if: [{ some: [{ var: 'items' }, { some: [Array.from({ length: 1_000 }, (_, i) => i), { '==': [{ var: '' }, -1] }] }] }, 'on', 'off'] },
  nestedMap: { if: [{ map: [{ var: 'items' }, { map: [{ merge: [{ var: '' }, { var: '' }, { var: '' }] }, { '+': [{ var: '' }, 1] }] }] }, 'on', 'off'] },
}

t.test('an expensive rule stops at its budget, quickly, as a GENERAL error for that flag', async (t) => {
  const set = parseFlagDefinitions({ flags: Object.fromEntries(Object.entries(EXPENSIVE).map(([k, rule]) => [k, flag(rule)])) })
  for (const key of Object.keys(EXPENSIVE)) {
    const started = performance.now()
    const r = evaluateFlag(set, key, { items })
    const ms = performance.now() - started
    t.ok(ms < 300, `${key}: held the loop ${ms.toFixed(1)} ms`)
    if (r.reason === 'ERROR') t.match(r, { errorCode: 'GENERAL', errorDetails: /targeting (exceeded its (step|time) budget|built an? (string|array) longer)|not a number/ }, `${key}: ${r.errorDetails}`)
    else t.pass(`${key}: finished within the budget (${r.variant})`)
  }
  t.match(evaluateFlag(set, 'doubling', { items }), { errorCode: 'GENERAL', errorDetails: `targeting failed: targeting built a string longer than ${LIMITS.maxStringLength} characters` })
  t.match(evaluateFlag(set, 'nested', { items }), { errorCode: 'GENERAL', errorDetails: /step budget|time budget/ })
  t.match(evaluateFlag(set, 'doubling', { items: [1, 2] }), { variant: 'on' }, 'the same rules on small data work')
})

t.test('a bulk evaluation of many expensive flags is bounded as a whole', async (t) => {
  const flags: Record<string, unknown> = { cheap: flag({ if: [true, 'on', 'off'] }) }
  for (let i = 0; i < 200; i++) flags[`nested-${i}`] = flag(EXPENSIVE.nested)
  flags['cheap-last'] = { state: 'ENABLED', variants: { on: true }, defaultVariant: 'on' }
  const set = parseFlagDefinitions({ flags })
  const started = performance.now()
  const bulk = evaluateAll(set, { items })
  const ms = performance.now() - started
  t.ok(ms < LIMITS.bulkDeadlineMs + 300, `200 expensive flags held the loop ${ms.toFixed(0)} ms`)
  if (!('flags' in bulk)) throw new Error('bulk failed')
  t.equal(bulk.flags.length, 202)
  t.match(bulk.flags[0], { key: 'cheap', variant: 'on' })
  t.match(bulk.flags[201], { key: 'cheap-last', reason: 'STATIC', value: true }, 'flags without targeting still answer after the budget is spent')
  t.ok(bulk.flags.slice(1, 201).every((f) => f.reason === 'ERROR'), 'the expensive ones fail')
})
