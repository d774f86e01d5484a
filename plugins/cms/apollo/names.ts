/**
 * How Apollo's names map onto Dyad's model. Deterministic, one rule each way:
 *
 *   Apollo config-server URL  <dyad>/apollo/{projectId}/{env}   the env is chosen by the URL
 *   appId                     Dyad app (same name)
 *   clusterName               Dyad cluster; fallback to `default` as Apollo does (ConfigReads.read)
 *   namespaceName             Dyad namespace, by suffix (case-insensitive, as Apollo's):
 *     `foo` or `foo.properties` -> Dyad `foo` in format properties
 *     `foo.json`                -> Dyad `foo` in format json
 *     `foo.yaml` / `foo.yml`    -> Dyad `foo` in format yaml
 *     `foo.txt`                 -> Dyad `foo` in format text
 *   A namespace whose Dyad format is not the one its Apollo name says is not found (Apollo, too,
 *   treats `foo` and `foo.json` as two namespaces). Dyad names are case-sensitive: Apollo's
 *   case normalisation (FX.apollo = fx.apollo) is not reproduced. A Dyad properties namespace whose
 *   own name ends in one of the suffixes (`foo.json`) is out of reach of Apollo clients.
 *
 * The Apollo `label` is a comma list. Items of the form `k=v` become Dyad labels `{ k: v }`; the
 * other items, joined with `,` in their order, become the label `apollo_label`, so Apollo's usual
 * single label (`label=canary`) is matched by a Dyad gray rule `{ labels: { apollo_label: ["canary"] } }`.
 * `ip` is the client's id and ip (the input of percentage rules and the instances view); without
 * it, the address the request came from, as Apollo's config service does.
 */
import type { ClientInfo, ConfigFormat } from '../model.ts'

export interface ApolloNamespace {
  /** The name the client sent, echoed in responses as Apollo does. */
  apolloName: string
  /** The Dyad namespace it maps to. */
  name: string
  format: ConfigFormat
}

const SUFFIXES: ReadonlyArray<readonly [string, ConfigFormat]> = [
  ['.properties', 'properties'],
  ['.json', 'json'],
  ['.yaml', 'yaml'],
  ['.yml', 'yaml'],
  ['.txt', 'text'],
]

/** The Dyad namespace an Apollo namespace name means; undefined when the name is empty once stripped. */
export function fromApolloName(apolloName: string): ApolloNamespace | undefined {
  const lower = apolloName.toLowerCase()
  for (const [suffix, format] of SUFFIXES) {
    if (lower.endsWith(suffix)) {
      const name = apolloName.slice(0, -suffix.length)
      return name ? { apolloName, name, format } : undefined
    }
  }
  return apolloName ? { apolloName, name: apolloName, format: 'properties' } : undefined
}

/** The name an Apollo client uses for a Dyad namespace (the inverse of fromApolloName). */
export function toApolloName(name: string, format: ConfigFormat): string {
  switch (format) {
    case 'properties':
      return name
    case 'json':
      return `${name}.json`
    case 'yaml':
      return `${name}.yaml`
    case 'text':
      return `${name}.txt`
  }
}

/** Apollo strips `.properties` from the names it reports in notifications; so does Dyad. */
export function notificationName(apolloName: string): string {
  return apolloName.toLowerCase().endsWith('.properties') ? apolloName.slice(0, -'.properties'.length) : apolloName
}

export const APOLLO_LABEL = 'apollo_label'
const MAX_LABELS = 32

export function apolloLabels(label: string | undefined): Record<string, string> {
  const labels: Record<string, string> = Object.create(null)
  if (!label) return labels
  const plain: string[] = []
  for (const raw of label.split(',').slice(0, MAX_LABELS)) {
    const part = raw.trim()
    const eq = part.indexOf('=')
    if (eq > 0) labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
    else if (part) plain.push(part)
  }
  if (plain.length > 0) labels[APOLLO_LABEL] = plain.join(',')
  return labels
}

export function apolloClient(query: { ip?: string; label?: string }, requestIp: string): ClientInfo {
  const ip = query.ip || requestIp
  return { id: ip, ip, labels: apolloLabels(query.label) }
}
