/**
 * Export and import of one app (every environment and namespace) as one JSON file. An export holds
 * each namespace's main release content (secret references stay references) and never drafts or
 * history. An import creates what is missing and puts each document as a draft, validated like any
 * edit; publishing stays a separate step, under the publish policy.
 */
import { CmsErrors } from './errors.ts'
import type { ConfigFormat } from './model.ts'
import type { Actor, CmsService } from './service.ts'
import type { ConfigCache } from './cache.ts'

export const EXPORT_KIND = 'dyad.cms/app-export'

export interface AppExport {
  kind: typeof EXPORT_KIND
  version: 1
  exportedAt: string
  app: { name: string; description: string }
  envs: Array<{ name: string; protected: boolean }>
  namespaces: Array<{ env: string; cluster: string; name: string; format: ConfigFormat; schema?: object; description: string; content: string | null; releaseKey: string | null }>
}

export async function exportApp(service: CmsService, cache: ConfigCache, projectId: string, appName: string): Promise<AppExport> {
  const app = await service.getApp(projectId, appName)
  const envs = await service.listEnvs(projectId, appName)
  const namespaces = await service.listNamespaces(projectId, appName)
  return {
    kind: EXPORT_KIND,
    version: 1,
    exportedAt: new Date().toISOString(),
    app: { name: app.name, description: app.description },
    envs: envs.map((e) => ({ name: e.name, protected: e.protected })),
    namespaces: namespaces.map((n) => {
      const head = cache.head({ projectId, app: appName, env: n.env, cluster: n.cluster, namespace: n.namespace })
      return {
        env: n.env,
        cluster: n.cluster,
        name: n.namespace,
        format: n.format,
        ...(n.schema ? { schema: n.schema } : {}),
        description: n.description,
        content: head?.main?.content ?? null,
        releaseKey: head?.main?.key ?? null,
      }
    }),
  }
}

export interface ImportReport {
  app: 'created' | 'existing'
  envs: Array<{ name: string; outcome: 'created' | 'existing' }>
  namespaces: Array<{ env: string; cluster: string; name: string; outcome: 'draft-created' | 'draft-exists' | 'format-differs' | 'empty'; created: boolean }>
}

export async function importApp(service: CmsService, projectId: string, file: AppExport, actor: Actor): Promise<ImportReport> {
  if (file.kind !== EXPORT_KIND || file.version !== 1) throw CmsErrors.invalidImport(`expected kind ${EXPORT_KIND} version 1`)
  const exists = async (run: () => Promise<unknown>) => {
    try {
      await run()
      return false
    } catch (err) {
      if (CmsErrors.exists.is(err)) return true
      throw err
    }
  }
  const report: ImportReport = { app: 'created', envs: [], namespaces: [] }
  if (await exists(() => service.createApp(projectId, file.app.name, file.app.description, actor))) report.app = 'existing'
  for (const env of file.envs) {
    const had = await exists(() => service.createEnv(projectId, file.app.name, env.name, env.protected))
    report.envs.push({ name: env.name, outcome: had ? 'existing' : 'created' })
  }
  for (const ns of file.namespaces) {
    const ref = { projectId, app: file.app.name, env: ns.env, cluster: ns.cluster, namespace: ns.name }
    const created = !(await exists(() => service.createNamespace(ref, ns.format, ns.schema, ns.description)))
    const entry = { env: ns.env, cluster: ns.cluster, name: ns.name, created }
    if (!created && (await service.getNamespace(ref)).format !== ns.format) {
      report.namespaces.push({ ...entry, outcome: 'format-differs' })
      continue
    }
    if (ns.content === null) {
      report.namespaces.push({ ...entry, outcome: 'empty' })
      continue
    }
    try {
      await service.putDraft(ref, ns.content, undefined, actor)
      report.namespaces.push({ ...entry, outcome: 'draft-created' })
    } catch (err) {
      if (!CmsErrors.preconditionRequired.is(err)) throw err
      report.namespaces.push({ ...entry, outcome: 'draft-exists' })
    }
  }
  return report
}
