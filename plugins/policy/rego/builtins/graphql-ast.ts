/**
 * graphql-js AST -> the JSON shape OPA returns (vektah/gqlparser's structs marshalled, then
 * null fields and empty lists dropped). Field names and enum encodings follow gqlparser.
 */
import type * as G from 'graphql'

type J = Record<string, unknown>

/** gqlparser's ValueKind numbering. */
const VALUE_KIND: Record<string, number> = {
  Variable: 0, IntValue: 1, FloatValue: 2, StringValue: 3, BlockValue: 4, BooleanValue: 5, NullValue: 6, EnumValue: 7, ListValue: 8, ObjectValue: 9,
}

export function prune(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(prune)
  if (x && typeof x === 'object') {
    const out: J = {}
    for (const [k, v] of Object.entries(x)) {
      if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue
      out[k] = prune(v)
    }
    return out
  }
  return x
}

function type(t: G.TypeNode): J {
  if (t.kind === 'NonNullType') return { ...type(t.type), NonNull: true }
  if (t.kind === 'ListType') return { NamedType: '', Elem: type(t.type), NonNull: false }
  return { NamedType: t.name.value, NonNull: false }
}

export function value(v: G.ValueNode): J {
  const base = (raw: string, kind: string, children?: J[]): J => ({ Raw: raw, Children: children, Kind: VALUE_KIND[kind], ExpectedTypeHasDefault: false })
  switch (v.kind) {
    case 'Variable': return base(v.name.value, 'Variable')
    case 'IntValue': return base(v.value, 'IntValue')
    case 'FloatValue': return base(v.value, 'FloatValue')
    case 'StringValue': return base(v.value, v.block ? 'BlockValue' : 'StringValue')
    case 'BooleanValue': return base(String(v.value), 'BooleanValue')
    case 'NullValue': return base('null', 'NullValue')
    case 'EnumValue': return base(v.value, 'EnumValue')
    case 'ListValue': return base('', 'ListValue', v.values.map((x) => ({ Name: '', Value: value(x) })))
    case 'ObjectValue': return base('', 'ObjectValue', v.fields.map((f) => ({ Name: f.name.value, Value: value(f.value) })))
    default: return base('', 'NullValue')
  }
}

/** gqlparser fills Location only during validation; parsed ASTs carry "". */
const directives = (ds: readonly G.DirectiveNode[] | undefined, _location: string): J[] =>
  (ds ?? []).map((d) => ({ Name: d.name.value, Arguments: (d.arguments ?? []).map(argument), Location: '' }))

const argument = (a: G.ArgumentNode): J => ({ Name: a.name.value, Value: value(a.value) })

function selection(s: G.SelectionNode): J {
  if (s.kind === 'Field') {
    return {
      Alias: s.alias?.value ?? s.name.value, Name: s.name.value, Arguments: (s.arguments ?? []).map(argument),
      Directives: directives(s.directives, 'FIELD'), SelectionSet: s.selectionSet?.selections.map(selection),
    }
  }
  if (s.kind === 'InlineFragment') {
    return { TypeCondition: s.typeCondition?.name.value ?? '', Directives: directives(s.directives, 'INLINE_FRAGMENT'), SelectionSet: s.selectionSet.selections.map(selection) }
  }
  return { Name: s.name.value, Directives: directives(s.directives, 'FRAGMENT_SPREAD') }
}

const variable = (v: G.VariableDefinitionNode): J => ({
  Variable: v.variable.name.value, Type: type(v.type), DefaultValue: v.defaultValue ? value(v.defaultValue) : null,
  Directives: directives(v.directives, 'VARIABLE_DEFINITION'), Used: false,
})

export function queryDocument(doc: G.DocumentNode): J {
  const ops: J[] = []
  const frags: J[] = []
  for (const d of doc.definitions) {
    if (d.kind === 'OperationDefinition') {
      ops.push({
        Operation: d.operation, Name: d.name?.value ?? '', VariableDefinitions: (d.variableDefinitions ?? []).map(variable),
        Directives: directives(d.directives, d.operation.toUpperCase()), SelectionSet: d.selectionSet.selections.map(selection),
      })
    } else if (d.kind === 'FragmentDefinition') {
      frags.push({
        Name: d.name.value, TypeCondition: d.typeCondition.name.value, Directives: directives(d.directives, 'FRAGMENT_DEFINITION'),
        SelectionSet: d.selectionSet.selections.map(selection),
      })
    }
  }
  return prune({ Operations: ops, Fragments: frags }) as J
}

const describe = (d: { description?: G.StringValueNode }): string => d.description?.value ?? ''

const inputValue = (a: G.InputValueDefinitionNode): J => ({
  Description: describe(a), Name: a.name.value, DefaultValue: a.defaultValue ? value(a.defaultValue) : null, Type: type(a.type), Directives: directives(a.directives, ''),
})

const fieldDef = (f: G.FieldDefinitionNode): J => ({
  Description: describe(f), Name: f.name.value, Arguments: (f.arguments ?? []).map(inputValue), Type: type(f.type), Directives: directives(f.directives, ''),
})

const KIND: Record<string, string> = {
  ScalarTypeDefinition: 'SCALAR', ObjectTypeDefinition: 'OBJECT', InterfaceTypeDefinition: 'INTERFACE', UnionTypeDefinition: 'UNION',
  EnumTypeDefinition: 'ENUM', InputObjectTypeDefinition: 'INPUT_OBJECT',
  ScalarTypeExtension: 'SCALAR', ObjectTypeExtension: 'OBJECT', InterfaceTypeExtension: 'INTERFACE', UnionTypeExtension: 'UNION',
  EnumTypeExtension: 'ENUM', InputObjectTypeExtension: 'INPUT_OBJECT',
}

function definition(d: G.TypeDefinitionNode | G.TypeExtensionNode): J {
  const out: J = { Kind: KIND[d.kind], Description: 'description' in d ? describe(d as { description?: G.StringValueNode }) : '', Name: d.name.value, Directives: directives(d.directives, '') }
  if ('interfaces' in d) out.Interfaces = (d.interfaces ?? []).map((i) => i.name.value)
  if ('fields' in d && d.fields) out.Fields = (d.fields as ReadonlyArray<G.FieldDefinitionNode | G.InputValueDefinitionNode>).map((f) => (f.kind === 'FieldDefinition' ? fieldDef(f) : inputValue(f)))
  if ('types' in d) out.Types = (d.types ?? []).map((t) => t.name.value)
  if ('values' in d) out.EnumValues = (d.values ?? []).map((v) => ({ Description: describe(v), Name: v.name.value, Directives: directives(v.directives, '') }))
  out.BuiltIn = false
  return out
}

export function schemaDocument(doc: G.DocumentNode): J {
  const out: Record<string, J[]> = { Schema: [], SchemaExtension: [], Directives: [], Definitions: [], Extensions: [] }
  for (const d of doc.definitions) {
    if (d.kind === 'SchemaDefinition' || d.kind === 'SchemaExtension') {
      const target = d.kind === 'SchemaDefinition' ? out.Schema : out.SchemaExtension
      target.push({
        Description: d.kind === 'SchemaDefinition' ? describe(d) : '', Directives: directives(d.directives, ''),
        OperationTypes: (d.operationTypes ?? []).map((o) => ({ Operation: o.operation, Type: o.type.name.value })),
      })
    } else if (d.kind === 'DirectiveDefinition') {
      out.Directives.push({
        Description: describe(d), Name: d.name.value, Arguments: (d.arguments ?? []).map(inputValue),
        Locations: d.locations.map((l) => l.value), IsRepeatable: d.repeatable,
      })
    } else if (d.kind in KIND) {
      const target = d.kind.endsWith('Extension') ? out.Extensions : out.Definitions
      target.push(definition(d as G.TypeDefinitionNode))
    }
  }
  return prune(out) as J
}
