import t from 'tap'
import { call, callErr } from './helpers.ts'

const schema = 'type Query { hero(episode: Int!): Hero }\ntype Hero { name: String }'

t.test('parse_query returns gqlparser-shaped ASTs', async (t) => {
  t.same(call('graphql.parse_query', '{hero {name}}'), {
    Operations: [{ Name: '', Operation: 'query', SelectionSet: [{ Alias: 'hero', Name: 'hero', SelectionSet: [{ Alias: 'name', Name: 'name' }] }] }],
  })
  t.same(call('graphql.parse_schema', 'union Hello = World'), { Definitions: [{ BuiltIn: false, Description: '', Kind: 'UNION', Name: 'Hello', Types: ['World'] }] })
})

t.test('validation', async (t) => {
  t.equal(call('graphql.is_valid', '{ hero(episode: 1) { name } }', schema), true)
  t.equal(call('graphql.is_valid', '{ hero { name } }', schema), false)
  t.same((call('graphql.parse_and_verify', '{ hero { name } }', schema) as unknown[])[0], false)
  t.match(callErr('graphql.parse', '{ hero { name } }', schema), /Field "hero" argument "episode" of type "Int!" is required, but it was not provided in GraphQL string at location 1:3/)
  t.equal(call('graphql.schema_is_valid', 'enum E { A }'), true)
  t.equal(call('graphql.schema_is_valid', 'type Q { a: Missing }'), false)
  // AST arguments are accepted too
  t.equal(call('graphql.is_valid', call('graphql.parse_query', '{ hero(episode: 1) { name } }'), call('graphql.parse_schema', schema)), true)
})

t.test('syntax errors in gqlparser wording', async (t) => {
  t.equal(callErr('graphql.parse_schema', 'type Query {}'), 'eval_builtin_error: graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:13')
  t.equal(callErr('graphql.parse_schema', 'union Hello = World |'), 'eval_builtin_error: graphql.parse_schema: Expected Name, found <EOF> in GraphQL string at location 1:22')
  t.equal(callErr('graphql.parse_schema', '"""\r'), 'eval_builtin_error: graphql.parse_schema: Unexpected <Invalid> in GraphQL string at location 2:1')
})

t.test('json schema', async (t) => {
  t.same(call('json.verify_schema', '{"type": "boolean"}'), [true, null])
  t.same(call('json.verify_schema', { type: 'nope' }), [false, 'jsonschema: has a primitive type that is NOT VALID -- given: /nope/ Expected valid values are:[array boolean integer number null object string]'])
  t.same(call('json.match_schema', { a: 1 }, { type: 'object', properties: { a: { type: 'string' } } }), [false, [{ desc: 'Invalid type. Expected: string, given: integer', error: 'a: Invalid type. Expected: string, given: integer', field: 'a', type: 'invalid_type' }]])
  t.same(call('json.match_schema', { a: 'x' }, { type: 'object' }), [true, []])
})

t.test('json.match_schema errors read like gojsonschema', async (t) => {
  const schema = { properties: { id: { type: 'integer' }, tags: { type: 'array', maxItems: 1 } }, required: ['id'] }
  t.same(call('json.match_schema', { id: 5 }, schema), [true, []])
  t.same(call('json.match_schema', { tags: [1, 2] }, schema), [false, [
    { desc: 'id is required', error: '(root): id is required', field: '(root)', type: 'required' },
    { desc: 'Array must have at most 1 items', error: 'tags: Array must have at most 1 items', field: 'tags', type: 'array_max_items' },
  ]])
  t.same((call('json.match_schema', ['x'], { anyOf: [{ type: 'integer' }, { type: 'boolean' }] }) as unknown[])[1], [
    { desc: 'Must validate at least one schema (anyOf)', error: '(root): Must validate at least one schema (anyOf)', field: '(root)', type: 'number_any_of' },
  ])
})
