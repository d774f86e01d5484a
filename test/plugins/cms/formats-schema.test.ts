/** JSON Schema validation of namespace documents: pointers, dialects, invalid schemas, hostile patterns. */
import t from 'tap'
import { checkSchema, FormatError, parseDocument, validateDocument, validateSchema } from '../../../plugins/cms/formats/index.ts'

function violation(fn: () => void) {
  try {
    fn()
  } catch (e) {
    if (e instanceof FormatError) return { format: e.format, kind: e.kind, pointer: e.pointer, message: e.message }
    throw e
  }
  return undefined
}

const service = {
  type: 'object',
  required: ['port'],
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    hosts: { type: 'array', items: { type: 'string', format: 'hostname' } },
    mode: { enum: ['a', 'b'] },
    'a/b~c': { type: 'string' },
  },
}

t.test('violations carry the JSON pointer of the offending value', async (t) => {
  t.equal(violation(() => validateSchema(service, { port: 80, hosts: ['example.org'] })), undefined)
  t.strictSame(violation(() => validateSchema(service, { port: 0 })), { format: 'json', kind: 'schema', pointer: '/port', message: 'must be >= 1' })
  t.strictSame(violation(() => validateSchema(service, { port: 1.5 })), { format: 'json', kind: 'schema', pointer: '/port', message: 'must be integer' })
  t.strictSame(violation(() => validateSchema(service, { port: 1, hosts: ['ok', 'not a host!'] })), { format: 'json', kind: 'schema', pointer: '/hosts/1', message: 'must match format "hostname"' })
  t.strictSame(violation(() => validateSchema(service, {})), { format: 'json', kind: 'schema', pointer: '', message: "must have required property 'port'" })
  t.strictSame(violation(() => validateSchema(service, { port: 1, 'x/y~z': 1 })), { format: 'json', kind: 'schema', pointer: '/x~1y~0z', message: 'is not allowed by the schema' })
  t.strictSame(violation(() => validateSchema(service, { port: 1, mode: 'c' })), { format: 'json', kind: 'schema', pointer: '/mode', message: 'must be equal to one of the allowed values: ["a","b"]' })
  t.strictSame(violation(() => validateSchema(service, { port: 1, 'a/b~c': 2 })), { format: 'json', kind: 'schema', pointer: '/a~1b~0c', message: 'must be string' })
  t.strictSame(violation(() => validateSchema({ required: ['constructor'] }, {})), { format: 'json', kind: 'schema', pointer: '', message: "must have required property 'constructor'" }, 'prototype properties do not count')
})

t.test('documents: yaml and json values, properties entries, never text', async (t) => {
  const yaml = parseDocument('yaml', 'port: 8080\nhosts: [a.example]\n')
  t.equal(violation(() => validateDocument(yaml, service)), undefined)
  const bad = parseDocument('yaml', 'port: "8080"\n')
  t.strictSame(violation(() => validateDocument(bad, service)), { format: 'yaml', kind: 'schema', pointer: '/port', message: 'must be integer' })
  const props = parseDocument('properties', 'port=8080\nname=x')
  const strings = { type: 'object', properties: { port: { type: 'string', pattern: '^[0-9]+$' } }, additionalProperties: { type: 'string' } }
  t.equal(violation(() => validateDocument(props, strings)), undefined)
  t.strictSame(violation(() => validateDocument(parseDocument('properties', 'port=8080'), service)), { format: 'properties', kind: 'schema', pointer: '/port', message: 'must be integer' }, 'properties values are strings')
  t.strictSame(violation(() => validateDocument(parseDocument('properties', 'port=80x'), strings)), { format: 'properties', kind: 'schema', pointer: '/port', message: 'must match pattern "^[0-9]+$"' })
  t.strictSame(violation(() => validateDocument(parseDocument('text', 'x'), {})), { format: 'text', kind: 'unsupported', pointer: undefined, message: 'A text namespace cannot have a JSON Schema: its content is not parsed' })
  t.strictSame(violation(() => checkSchema({}, 'text')), { format: 'text', kind: 'unsupported', pointer: undefined, message: 'A text namespace cannot have a JSON Schema: its content is not parsed' })
})

t.test('dialects: 2020-12 by default, draft-07 when declared, others refused', async (t) => {
  const tuple2020 = { prefixItems: [{ type: 'string' }], items: false }
  t.equal(violation(() => validateSchema(tuple2020, ['a'])), undefined)
  t.strictSame(violation(() => validateSchema(tuple2020, ['a', 'b'])), { format: 'json', kind: 'schema', pointer: '', message: 'must NOT have more than 1 items' })
  const tuple07 = { $schema: 'http://json-schema.org/draft-07/schema#', items: [{ type: 'string' }], additionalItems: false }
  t.equal(violation(() => checkSchema(tuple07)), undefined)
  t.strictSame(violation(() => validateSchema(tuple07, ['a', 1])), { format: 'json', kind: 'schema', pointer: '', message: 'must NOT have more than 1 items' })
  t.equal(violation(() => checkSchema({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' })), undefined)
  t.strictSame(violation(() => checkSchema({ $schema: 'http://json-schema.org/draft-04/schema#' })), {
    format: 'json', kind: 'schema', pointer: '/$schema',
    message: 'Unsupported $schema "http://json-schema.org/draft-04/schema#": use https://json-schema.org/draft/2020-12/schema or http://json-schema.org/draft-07/schema',
  })
  const ids = [{ $id: 'https://x.example/s', type: 'string' }, { $id: 'https://x.example/s', type: 'number' }]
  t.equal(violation(() => validateSchema(ids[0], 'a')), undefined)
  t.strictSame(violation(() => validateSchema(ids[1], 'a'))?.message, 'must be number', 'two schemas may share an $id')
})

t.test('checkSchema refuses invalid schemas with a clear message', async (t) => {
  t.strictSame(violation(() => checkSchema({ type: 'strnig' })), { format: 'json', kind: 'schema', pointer: '/type', message: 'The schema is invalid: must be equal to one of the allowed values' })
  t.strictSame(violation(() => checkSchema({ properties: { a: { minimum: 'x' } } })), { format: 'json', kind: 'schema', pointer: '/properties/a/minimum', message: 'The schema is invalid: must be number' })
  t.match(violation(() => checkSchema({ $ref: '#/$defs/missing' })), { kind: 'schema', message: /^The schema does not compile: .*missing/ })
  t.match(violation(() => checkSchema({ $ref: 'https://elsewhere.example/schema.json' })), { kind: 'schema', message: /does not compile/ }, 'no remote fetch')
  t.match(violation(() => checkSchema({ pattern: '(?=a)b' })), { kind: 'schema', message: /does not compile/ }, 'lookahead is not RE2')
  t.strictSame(violation(() => checkSchema([])), { format: 'json', kind: 'schema', pointer: '', message: 'A JSON Schema must be an object' })
  t.strictSame(violation(() => checkSchema({ type: 'strnig' }, 'yaml'))?.format, 'yaml', 'reported in the namespace format')
  t.strictSame(violation(() => validateSchema({ type: 'strnig' }, 1, 'properties'))?.format, 'properties')
  let deep: Record<string, unknown> = { type: 'string' }
  for (let i = 0; i < 10_000; i++) deep = { items: deep }
  t.strictSame(violation(() => checkSchema(deep)), { format: 'json', kind: 'limit', pointer: '', message: 'The schema is nested more than 64 levels deep' })
})

t.test('patterns run on RE2: a catastrophic pattern stays linear', async (t) => {
  const schema = { type: 'string', pattern: '^(a+)+$' }
  const start = performance.now()
  t.strictSame(violation(() => validateSchema(schema, 'a'.repeat(5000) + '!')), { format: 'json', kind: 'schema', pointer: '', message: 'must match pattern "^(a+)+$"' })
  t.ok(performance.now() - start < 1000, 'no backtracking blow-up')
  t.equal(violation(() => validateSchema(schema, 'aaa')), undefined)
  // Two patterns in one schema must not share a compiled regex (ajv keys them by toString()).
  const two = { properties: { a: { pattern: '^x$' }, b: { pattern: '^y$' } }, patternProperties: { '^z': { type: 'number' } } }
  t.equal(violation(() => validateSchema(two, { a: 'x', b: 'y', zz: 1 })), undefined)
  t.strictSame(violation(() => validateSchema(two, { a: 'x', b: 'x' }))?.pointer, '/b')
  t.strictSame(violation(() => validateSchema(two, { zz: 'no' }))?.pointer, '/zz')
})

t.test('compiled schemas are cached and the cache is bounded', async (t) => {
  const s = { type: 'object', properties: { n: { type: 'integer' } } }
  validateSchema(s, { n: 1 })
  const start = performance.now()
  for (let i = 0; i < 1000; i++) validateSchema({ type: 'object', properties: { n: { type: 'integer' } } }, { n: i })
  t.ok(performance.now() - start < 500, 'the same schema text compiles once')
  for (let i = 0; i < 200; i++) validateSchema({ const: i }, i)
  t.strictSame(violation(() => validateSchema({ const: 3 }, 4)), { format: 'json', kind: 'schema', pointer: '', message: 'must be 3' }, 'evicted schemas compile again correctly')
})
