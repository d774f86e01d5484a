/** OPA-shaped (gqlparser JSON) GraphQL ASTs printed back to GraphQL text, so AST arguments can be re-parsed. */
type J = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const list = (x: unknown): J[] => (Array.isArray(x) ? (x as J[]) : [])

function type(t: J | undefined): string {
  if (!t) return ''
  const base = t.Elem ? `[${type(t.Elem)}]` : String(t.NamedType ?? '')
  return base + (t.NonNull ? '!' : '')
}

function value(v: J | undefined): string {
  if (!v) return 'null'
  const raw = String(v.Raw ?? '')
  switch (v.Kind) {
    case 0: return `$${raw}`
    case 3: case 4: return JSON.stringify(raw)
    case 8: return `[${list(v.Children).map((c) => value(c.Value)).join(', ')}]`
    case 9: return `{${list(v.Children).map((c) => `${c.Name}: ${value(c.Value)}`).join(', ')}}`
    default: return raw
  }
}

const args = (as: unknown): string => (list(as).length ? `(${list(as).map((a) => `${a.Name}: ${value(a.Value)}`).join(', ')})` : '')
const dirs = (ds: unknown): string => list(ds).map((d) => ` @${d.Name}${args(d.Arguments)}`).join('')
const desc = (d: J): string => (d.Description ? `${JSON.stringify(d.Description)} ` : '')

function selections(ss: unknown): string {
  if (!list(ss).length) return ''
  return ` { ${list(ss).map((s) => {
    if ('TypeCondition' in s || ('SelectionSet' in s && !('Alias' in s))) return `... on ${s.TypeCondition}${dirs(s.Directives)}${selections(s.SelectionSet)}`
    if (!('Alias' in s)) return `...${s.Name}${dirs(s.Directives)}`
    const alias = s.Alias && s.Alias !== s.Name ? `${s.Alias}: ` : ''
    return `${alias}${s.Name}${args(s.Arguments)}${dirs(s.Directives)}${selections(s.SelectionSet)}`
  }).join(' ')} }`
}

export function printQuery(doc: unknown): string {
  const d = doc as J
  const ops = list(d.Operations).map((o) => {
    const vars = list(o.VariableDefinitions).map((v) => `$${v.Variable}: ${type(v.Type)}${v.DefaultValue ? ` = ${value(v.DefaultValue)}` : ''}`)
    return `${o.Operation ?? 'query'} ${o.Name ?? ''}${vars.length ? `(${vars.join(', ')})` : ''}${dirs(o.Directives)}${selections(o.SelectionSet)}`
  })
  const frags = list(d.Fragments).map((f) => `fragment ${f.Name} on ${f.TypeCondition}${dirs(f.Directives)}${selections(f.SelectionSet)}`)
  return [...ops, ...frags].join('\n')
}

const inputValue = (a: J): string => `${desc(a)}${a.Name}: ${type(a.Type)}${a.DefaultValue ? ` = ${value(a.DefaultValue)}` : ''}${dirs(a.Directives)}`

function definition(d: J, extend: boolean): string {
  const kw: Record<string, string> = { SCALAR: 'scalar', OBJECT: 'type', INTERFACE: 'interface', UNION: 'union', ENUM: 'enum', INPUT_OBJECT: 'input' }
  let out = `${extend ? 'extend ' : desc(d)}${kw[d.Kind] ?? 'type'} ${d.Name}`
  if (list(d.Interfaces).length) out += ` implements ${d.Interfaces.join(' & ')}`
  out += dirs(d.Directives)
  if (d.Kind === 'UNION' && list(d.Types).length) out += ` = ${d.Types.join(' | ')}`
  if (d.Kind === 'ENUM' && list(d.EnumValues).length) out += ` { ${list(d.EnumValues).map((v) => `${desc(v)}${v.Name}${dirs(v.Directives)}`).join(' ')} }`
  if (list(d.Fields).length) {
    const fields = list(d.Fields).map((f) =>
      d.Kind === 'INPUT_OBJECT' ? inputValue(f) : `${desc(f)}${f.Name}${list(f.Arguments).length ? `(${list(f.Arguments).map(inputValue).join(', ')})` : ''}: ${type(f.Type)}${dirs(f.Directives)}`)
    out += ` { ${fields.join(' ')} }`
  }
  return out
}

export function printSchema(doc: unknown): string {
  const d = doc as J
  const schema = (s: J, extend: boolean) =>
    `${extend ? 'extend ' : desc(s)}schema${dirs(s.Directives)}${list(s.OperationTypes).length ? ` { ${list(s.OperationTypes).map((o) => `${o.Operation}: ${o.Type}`).join(' ')} }` : ''}`
  return [
    ...list(d.Schema).map((s) => schema(s, false)),
    ...list(d.SchemaExtension).map((s) => schema(s, true)),
    ...list(d.Directives).map((x) => `${desc(x)}directive @${x.Name}${list(x.Arguments).length ? `(${list(x.Arguments).map(inputValue).join(', ')})` : ''}${x.IsRepeatable ? ' repeatable' : ''} on ${list(x.Locations).join(' | ')}`),
    ...list(d.Definitions).map((x) => definition(x, false)),
    ...list(d.Extensions).map((x) => definition(x, true)),
  ].join('\n')
}
