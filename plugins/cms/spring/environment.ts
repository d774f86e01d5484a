/**
 * Spring Cloud Config's Environment, built from Dyad's model:
 *
 *   {application}  Dyad app          {profile}  Dyad environment(s), comma-separated
 *   {label}        Dyad cluster (default `default`); per-namespace fallback to `default`, as reads do
 *
 * Every published namespace of each (app, environment) is one property source of flattened entries
 * (Spring Boot's `a.b[0].c` convention), ordered most specific first as Spring's server does:
 * profiles last-listed first (the last active profile wins); within a profile the app's own
 * namespaces, then those of the shared app (below); within an app the namespaces by name, with
 * `application` last (it is Apollo's and Dyad's default namespace, the others refine it). Text
 * namespaces have no keys and are left out.
 *
 * Spring's `application.yml` convention, that config under the name `application` is shared by
 * every application: Dyad reads the app named by `sharedApp` (default `application`), when the
 * project has one with the same environment, below each app's own sources. Profiles that are not
 * environments of the app are skipped (a Spring app often has local-only profiles); when none is, or
 * the app does not exist, the answer is 404 CMS_ENV_NOT_FOUND, which a Spring client treats as "no
 * remote config" (fatal with fail-fast or a non-optional import).
 *
 * A source is named `dyad:{app}-{env}/{cluster}/{namespace}`: the `-{env}` lets Spring's client mark
 * it profile-specific, as it does `app-dev.yml` from a file-based server.
 */
import { createHash } from 'node:crypto'
import { entriesOf } from '../apollo/entries.ts'
import { CmsErrors } from '../errors.ts'
import { DEFAULT_CLUSTER, type ClientInfo, type ConfigReads } from '../model.ts'

export type SourceValue = string | { value: string; origin: string }

export interface PropertySource {
  name: string
  source: Record<string, SourceValue>
}

export interface SpringEnvironment {
  name: string
  profiles: string[]
  label: string
  /** A digest of every release served: changes exactly when one of them does. */
  version: string | null
  state: string | null
  propertySources: PropertySource[]
}

export interface EnvironmentRequest {
  projectId: string
  application: string
  /** As Spring sends it: comma-separated. */
  profiles: string
  cluster: string
  client: ClientInfo
  /** Spring's v2 media type: each value as `{ value, origin }`. */
  includeOrigin: boolean
  sharedApp: string
}

/** Profiles one request may name; past it the last ones (those that win) are kept. */
export const MAX_PROFILES = 16

const byNamespace = (a: string, b: string) => (a === 'application' ? 1 : b === 'application' ? -1 : a < b ? -1 : a > b ? 1 : 0)

export function buildEnvironment(reads: ConfigReads, r: EnvironmentRequest): SpringEnvironment {
  const profiles = r.profiles.split(',').map((p) => p.trim()).filter(Boolean).slice(-MAX_PROFILES)
  const apps = r.sharedApp && r.sharedApp !== r.application ? [r.application, r.sharedApp] : [r.application]
  const sources: PropertySource[] = []
  const served: string[] = []
  let found = false
  for (const env of [...profiles].reverse()) {
    for (const app of apps) {
      if (!reads.hasEnv(r.projectId, app, env)) continue
      if (app === r.application) found = true
      const names = new Set(reads.heads(r.projectId, app, env, r.cluster).map((h) => h.ref.namespace))
      if (r.cluster !== DEFAULT_CLUSTER) for (const h of reads.heads(r.projectId, app, env, DEFAULT_CLUSTER)) names.add(h.ref.namespace)
      for (const namespace of [...names].sort(byNamespace)) {
        const ref = { projectId: r.projectId, app, env, cluster: r.cluster, namespace }
        const e = reads.read(ref, r.client)
        if (!e || e.release.format === 'text') continue
        reads.recordInstance(ref, r.client, e.release.key)
        const origin = `${app}/${env}/${e.cluster}/${namespace}@${e.release.key}`
        served.push(origin)
        const entries = entriesOf(e.release)
        const source: Record<string, SourceValue> = Object.create(null)
        for (const key of Object.keys(entries)) source[key] = r.includeOrigin ? { value: entries[key]!, origin } : entries[key]!
        sources.push({ name: `dyad:${app}-${env}/${e.cluster}/${namespace}`, source })
      }
    }
  }
  if (!found) {
    throw CmsErrors.envNotFound(`App ${r.application} has none of the profiles [${profiles.join(', ')}] as a Dyad environment in this project (or the app does not exist).`)
  }
  return {
    name: r.application,
    profiles,
    label: r.cluster,
    version: served.length > 0 ? createHash('sha256').update(served.join('\n')).digest('hex').slice(0, 40) : null,
    state: null,
    propertySources: sources,
  }
}
