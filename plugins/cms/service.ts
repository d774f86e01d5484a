/**
 * The cms domain's facade (no Fastify): apps, environments, namespaces, drafts, the publish workflow
 * (submit, approve, reject, publish, gray, promote, abort, rollback), history and diffs.
 *
 * Writes go to the key-value store (etcd, shared by both DCs) as guarded transactions; reads are
 * the cache's (see cache.ts). A write waits (briefly) until this process's cache has applied it,
 * so a client that writes and then reads through the same process sees its write.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { PolicyDecider } from '../../src/contracts/policy.ts'
import type { ConfigCache } from './cache.ts'
import { CmsErrors } from './errors.ts'
import { checkDocument } from './documents.ts'
import { diffDocuments } from './formats/index.ts'
import type { ConfigFormat, GrayRule, NamespaceRef, Release } from './model.ts'
import { keys, type CmsStore, type DraftRecord, type EnvRecord, type HeadRecord, type NamespaceRecord } from './store.ts'

export const SHIPPED_PUBLISH_POLICY = { id: 'dyad/cms/publish.rego', raw: readFileSync(new URL('./publish.rego', import.meta.url), 'utf8') }
const PUBLISH_PATH = ['dyad', 'cms', 'publish']
const MAX_CAS_ATTEMPTS = 10
/** How long a write waits for the local cache to apply it before answering anyway. */
const READ_YOUR_WRITES_MS = 2000

export interface Actor {
  subject: string
  platformAdmin: boolean
}

export interface CmsServiceDeps {
  store: CmsStore
  cache: ConfigCache
  policy: PolicyDecider
  dc: string
  maxNamespaceBytes: number
  maxNamespaces: number
}

export const draftEtag = (modRevision: number) => `"d${modRevision}"`
const now = () => new Date().toISOString()
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

export function createCmsService(deps: CmsServiceDeps) {
  const { store, cache } = deps

  async function settle(revision: number | undefined) {
    if (revision !== undefined) await cache.waitFor(revision, READ_YOUR_WRITES_MS)
  }

  async function requireApp(p: string, app: string) {
    const rec = await store.getApp(p, app)
    if (!rec) throw CmsErrors.appNotFound(`app ${app} does not exist`)
    return rec.value
  }
  async function requireEnv(p: string, app: string, env: string): Promise<EnvRecord> {
    await requireApp(p, app)
    const rec = await store.getEnv(p, app, env)
    if (!rec) throw CmsErrors.envNotFound(`environment ${env} of app ${app} does not exist`)
    return rec.value
  }
  async function requireNamespace(ref: NamespaceRef): Promise<NamespaceRecord> {
    const rec = await store.getNamespace(ref)
    if (!rec) throw CmsErrors.namespaceNotFound(`namespace ${ref.namespace} does not exist in ${ref.app}/${ref.env}/${ref.cluster}`)
    return rec.value
  }
  async function requireHead(ref: NamespaceRef) {
    const head = await store.getHead(ref)
    if (!head) throw CmsErrors.namespaceNotFound(`namespace ${ref.namespace} does not exist in ${ref.app}/${ref.env}/${ref.cluster}`)
    return head
  }

  function checkSize(content: string) {
    const bytes = Buffer.byteLength(content)
    if (bytes > deps.maxNamespaceBytes) throw CmsErrors.tooLarge(`the document is ${bytes} bytes; the limit is ${deps.maxNamespaceBytes}`, { limit: deps.maxNamespaceBytes })
  }

  async function decidePublish(ref: NamespaceRef, step: 'publish' | 'approve', actor: Actor, env: EnvRecord, draft: DraftRecord) {
    const input = {
      step,
      user: { subject: actor.subject, platformAdmin: actor.platformAdmin },
      environment: { name: env.name, protected: env.protected },
      app: ref.app,
      cluster: ref.cluster,
      namespace: ref.namespace,
      draft: { status: draft.status, editors: draft.editors, submittedBy: draft.submittedBy ?? null, approvals: draft.approvals.map((a) => a.by) },
    }
    const out = (await deps.policy.evaluate(ref.projectId, PUBLISH_PATH, input, SHIPPED_PUBLISH_POLICY)) as { allow?: unknown; deny?: unknown } | undefined
    if (out?.allow === true) return
    const reasons = Array.isArray(out?.deny) ? out.deny.filter((r): r is string => typeof r === 'string') : []
    throw CmsErrors.publishDenied(reasons[0] ?? `the publish policy does not allow this ${step}`, { reasons })
  }

  /**
   * Read-modify-write of a namespace's head (and optionally its draft) under compare-and-swap;
   * `change` returns the new head and the release to store, or throws to refuse.
   */
  async function changeHead(
    ref: NamespaceRef,
    change: (head: HeadRecord, draft: { value: DraftRecord; modRevision: number } | undefined) => Promise<{ head: HeadRecord; release?: Release; consumeDraft?: boolean }>,
  ): Promise<{ head: HeadRecord; release?: Release }> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const head = await requireHead(ref)
      const draft = await store.getDraft(ref)
      const next = await change(head.value, draft)
      const guards = [{ key: keys.head(ref), modRevision: head.modRevision }]
      if (next.consumeDraft) guards.push({ key: keys.draft(ref), modRevision: draft?.modRevision ?? 0 })
      const puts: Array<{ key: string; value: unknown }> = [{ key: keys.head(ref), value: next.head }]
      if (next.release) puts.push({ key: keys.release(ref, next.release.seq), value: next.release })
      const revision = await store.commit(guards, puts, next.consumeDraft ? [keys.draft(ref)] : [])
      if (revision !== undefined) {
        await settle(revision)
        return next
      }
    }
    throw CmsErrors.conflict('the namespace kept changing under this write; retry')
  }

  function makeRelease(head: HeadRecord, fields: Omit<Release, 'seq' | 'key' | 'hash' | 'format' | 'createdAt' | 'dc'>): Release {
    const seq = head.lastSeq + 1
    const hash = sha256(fields.content)
    return { seq, key: `${seq}-${hash.slice(0, 12)}`, format: head.format, hash, createdAt: now(), dc: deps.dc, ...fields }
  }

  async function updateDraft(ref: NamespaceRef, expectEtag: string | undefined, change: (d: DraftRecord) => DraftRecord) {
    const cur = await store.getDraft(ref)
    if (!cur) throw CmsErrors.draftNotFound(`namespace ${ref.namespace} has no draft`)
    if (expectEtag !== undefined && expectEtag !== draftEtag(cur.modRevision)) throw CmsErrors.preconditionFailed()
    const next = change(cur.value)
    const revision = await store.commit([{ key: keys.draft(ref), modRevision: cur.modRevision }], [{ key: keys.draft(ref), value: next }])
    if (revision === undefined) throw CmsErrors.preconditionFailed('the draft changed concurrently; read it again')
    return { draft: next, etag: draftEtag(revision) }
  }

  return {
    // ---- apps and environments ----
    async createApp(p: string, name: string, description: string, actor: Actor) {
      const rec = { name, description, createdAt: now(), createdBy: actor.subject }
      if (!(await store.create(keys.app(p, name), rec))) throw CmsErrors.exists(`app ${name} already exists`)
      await settle(await store.kv.revision())
      return rec
    },
    getApp: requireApp,
    listApps: async (p: string) => (await store.listApps(p)).map((e) => e.value),
    async deleteApp(p: string, app: string) {
      await requireApp(p, app)
      await store.deletePrefixes(keys.ofApp(p, app), [keys.app(p, app)])
      await settle(await store.kv.revision())
    },

    async createEnv(p: string, app: string, name: string, isProtected: boolean) {
      await requireApp(p, app)
      const rec: EnvRecord = { name, protected: isProtected, createdAt: now() }
      if (!(await store.create(keys.env(p, app, name), rec))) throw CmsErrors.exists(`environment ${name} already exists`)
      await settle(await store.kv.revision())
      return rec
    },
    async updateEnv(p: string, app: string, name: string, isProtected: boolean) {
      const cur = await store.getEnv(p, app, name)
      if (!cur) throw CmsErrors.envNotFound(`environment ${name} of app ${app} does not exist`)
      const rec = { ...cur.value, protected: isProtected }
      const revision = await store.commit([{ key: keys.env(p, app, name), modRevision: cur.modRevision }], [{ key: keys.env(p, app, name), value: rec }])
      if (revision === undefined) throw CmsErrors.conflict('the environment changed concurrently; retry')
      await settle(revision)
      return rec
    },
    listEnvs: async (p: string, app: string) => {
      await requireApp(p, app)
      return (await store.listEnvs(p, app)).map((e) => e.value)
    },
    async deleteEnv(p: string, app: string, env: string) {
      await requireEnv(p, app, env)
      const inUse = (await store.listNamespaces(p, app)).some((e) => e.key.startsWith(`${keys.namespacesOfApp(p, app)}${env}/`))
      if (inUse) throw CmsErrors.notEmpty(`environment ${env} still has namespaces`)
      await store.deletePrefixes([], [keys.env(p, app, env)])
      await settle(await store.kv.revision())
    },

    // ---- namespaces ----
    async createNamespace(ref: NamespaceRef, format: ConfigFormat, schema: object | undefined, description: string) {
      await requireEnv(ref.projectId, ref.app, ref.env)
      // Checked against this process's cache: two DCs racing can pass it together once, never unboundedly.
      if (cache.namespaceCount(ref.projectId) >= deps.maxNamespaces) throw CmsErrors.tooMany(`a project holds at most ${deps.maxNamespaces} namespaces`)
      if (schema !== undefined) checkDocument.schema(format, schema)
      const rec: NamespaceRecord = { format, ...(schema ? { schema } : {}), description, createdAt: now() }
      const head: HeadRecord = { format, lastSeq: 0 }
      const ok = await store.create(keys.namespace(ref), rec, [{ type: 'put', key: keys.head(ref), value: JSON.stringify(head) }], [keys.head(ref)])
      if (!ok) throw CmsErrors.exists(`namespace ${ref.namespace} already exists`)
      await settle(await store.kv.revision())
      return rec
    },
    getNamespace: requireNamespace,
    async listNamespaces(p: string, app: string) {
      await requireApp(p, app)
      const prefix = keys.namespacesOfApp(p, app)
      return (await store.listNamespaces(p, app)).map((e) => {
        const [env, cluster, namespace] = e.key.slice(prefix.length).split('/') as [string, string, string]
        return { env, cluster, namespace, ...e.value }
      })
    },
    async deleteNamespace(ref: NamespaceRef) {
      await requireNamespace(ref)
      const { keys: ks, prefixes } = keys.ofNamespace(ref)
      await store.deletePrefixes(prefixes, ks)
      await settle(await store.kv.revision())
    },

    // ---- drafts ----
    async getDraft(ref: NamespaceRef) {
      const d = await store.getDraft(ref)
      if (!d) throw CmsErrors.draftNotFound(`namespace ${ref.namespace} has no draft`)
      return { draft: d.value, etag: draftEtag(d.modRevision) }
    },

    /**
     * Creates or replaces the draft's content. Replacing an existing draft needs the ETag it was read
     * with (412 when it changed since, 428 when none is sent): concurrent edits never merge silently.
     * Any edit sends a submitted or approved draft back to `editing`.
     */
    async putDraft(ref: NamespaceRef, content: string, ifMatch: string | undefined, actor: Actor) {
      const ns = await requireNamespace(ref)
      checkSize(content)
      checkDocument.content(ref, ns, content)
      const cur = await store.getDraft(ref)
      if (cur) {
        if (ifMatch === undefined) throw CmsErrors.preconditionRequired()
        if (ifMatch !== '*' && ifMatch !== draftEtag(cur.modRevision)) throw CmsErrors.preconditionFailed()
      } else if (ifMatch !== undefined) throw CmsErrors.preconditionFailed('the draft you read no longer exists (published or discarded)')
      const head = await store.getHead(ref)
      const next: DraftRecord = {
        content,
        editors: [...new Set([...(cur?.value.editors ?? []), actor.subject])],
        status: 'editing',
        approvals: [],
        updatedAt: now(),
        ...(head?.value.main ? { baseSeq: head.value.main.seq } : {}),
      }
      const revision = await store.commit([{ key: keys.draft(ref), modRevision: cur?.modRevision ?? 0 }], [{ key: keys.draft(ref), value: next }])
      if (revision === undefined) throw CmsErrors.preconditionFailed('the draft changed concurrently; read it again')
      return { draft: next, etag: draftEtag(revision), created: !cur }
    },

    async discardDraft(ref: NamespaceRef, ifMatch: string | undefined) {
      const cur = await store.getDraft(ref)
      if (!cur) throw CmsErrors.draftNotFound(`namespace ${ref.namespace} has no draft`)
      if (ifMatch !== undefined && ifMatch !== draftEtag(cur.modRevision)) throw CmsErrors.preconditionFailed()
      if ((await store.commit([{ key: keys.draft(ref), modRevision: cur.modRevision }], [], [keys.draft(ref)])) === undefined) throw CmsErrors.preconditionFailed()
    },

    submit: (ref: NamespaceRef, actor: Actor, ifMatch?: string) =>
      updateDraft(ref, ifMatch, (d) => {
        if (d.status !== 'editing' && d.status !== 'rejected') throw CmsErrors.badState(`the draft is ${d.status}; only an editing or rejected draft can be submitted`)
        const { rejection: _gone, ...rest } = d
        return { ...rest, status: 'submitted', submittedBy: actor.subject, approvals: [], updatedAt: now() }
      }),

    async approve(ref: NamespaceRef, actor: Actor, comment: string, ifMatch?: string) {
      const env = await requireEnv(ref.projectId, ref.app, ref.env)
      const cur = await store.getDraft(ref)
      if (!cur) throw CmsErrors.draftNotFound(`namespace ${ref.namespace} has no draft`)
      await decidePublish(ref, 'approve', actor, env, cur.value)
      return updateDraft(ref, ifMatch ?? draftEtag(cur.modRevision), (d) => ({
        ...d,
        status: 'approved',
        approvals: [...d.approvals.filter((a) => a.by !== actor.subject), { by: actor.subject, at: now(), comment }],
        updatedAt: now(),
      }))
    },

    reject: (ref: NamespaceRef, actor: Actor, comment: string, ifMatch?: string) =>
      updateDraft(ref, ifMatch, (d) => {
        if (d.status !== 'submitted' && d.status !== 'approved') throw CmsErrors.badState(`the draft is ${d.status}; only a submitted or approved draft can be rejected`)
        return { ...d, status: 'rejected', approvals: [], rejection: { by: actor.subject, at: now(), comment }, updatedAt: now() }
      }),

    // ---- releases ----
    /**
     * Publishes the draft as a new release: to everyone, or (with `gray`) only to the clients the rule
     * selects. The publish policy decides whether this draft may be published by this user.
     */
    async publish(ref: NamespaceRef, actor: Actor, opts: { message: string; gray?: GrayRule; ifMatch?: string }) {
      const env = await requireEnv(ref.projectId, ref.app, ref.env)
      const res = await changeHead(ref, async (head, draft) => {
        if (!draft) throw CmsErrors.draftNotFound(`namespace ${ref.namespace} has no draft to publish`)
        if (opts.ifMatch !== undefined && opts.ifMatch !== draftEtag(draft.modRevision)) throw CmsErrors.preconditionFailed()
        await decidePublish(ref, 'publish', actor, env, draft.value)
        const release = makeRelease(head, {
          kind: opts.gray ? 'gray' : 'publish',
          content: draft.value.content,
          author: actor.subject,
          approvedBy: draft.value.approvals.map((a) => a.by),
          message: opts.message,
        })
        const next: HeadRecord = opts.gray ? { ...head, lastSeq: release.seq, gray: { release, rule: opts.gray } } : { ...head, lastSeq: release.seq, main: release }
        return { head: next, release, consumeDraft: true }
      })
      return res.release!
    },

    /** The gray release becomes the main release for everyone. */
    async promoteGray(ref: NamespaceRef) {
      const res = await changeHead(ref, async (head) => {
        if (!head.gray) throw CmsErrors.noGray(`namespace ${ref.namespace} has no gray release`)
        const { gray, ...rest } = head
        return { head: { ...rest, main: gray.release } }
      })
      return res.head.main!
    },

    /** Ends the gray release: its clients go back to the main release. */
    async abortGray(ref: NamespaceRef) {
      await changeHead(ref, async (head) => {
        if (!head.gray) throw CmsErrors.noGray(`namespace ${ref.namespace} has no gray release`)
        const { gray: _gone, ...rest } = head
        return { head: rest }
      })
    },

    /** A new release restoring an earlier one's content (history is never rewritten). */
    async rollback(ref: NamespaceRef, actor: Actor, toSeq: number, message: string) {
      const target = await store.getRelease(ref, toSeq)
      if (!target) throw CmsErrors.releaseNotFound(`release ${toSeq} does not exist`)
      const res = await changeHead(ref, async (head) => {
        const release = makeRelease(head, { kind: 'rollback', content: target.content, author: actor.subject, approvedBy: [], message, restores: toSeq })
        return { head: { ...head, lastSeq: release.seq, main: release }, release }
      })
      return res.release!
    },

    async listReleases(ref: NamespaceRef) {
      await requireNamespace(ref)
      return (await store.listReleases(ref)).reverse()
    },
    async getRelease(ref: NamespaceRef, seq: number) {
      const r = await store.getRelease(ref, seq)
      if (!r) throw CmsErrors.releaseNotFound(`release ${seq} does not exist`)
      return r
    },
    async diff(ref: NamespaceRef, fromSeq: number, toSeq: number) {
      const [a, b] = await Promise.all([store.getRelease(ref, fromSeq), store.getRelease(ref, toSeq)])
      if (!a) throw CmsErrors.releaseNotFound(`release ${fromSeq} does not exist`)
      if (!b) throw CmsErrors.releaseNotFound(`release ${toSeq} does not exist`)
      return { from: fromSeq, to: toSeq, ...diffDocuments(b.format, a.content, b.content) }
    },
    /** Draft against the main release it would replace. */
    async diffDraft(ref: NamespaceRef) {
      const [head, draft] = await Promise.all([requireHead(ref), store.getDraft(ref)])
      if (!draft) throw CmsErrors.draftNotFound(`namespace ${ref.namespace} has no draft`)
      return { from: head.value.main?.seq ?? null, to: 'draft', ...diffDocuments(head.value.format, head.value.main?.content, draft.value.content) }
    },

    async onProjectDeleted(p: string) {
      await store.deleteProject(p)
      cache.instances.forgetProject(p)
    },
  }
}

export type CmsService = ReturnType<typeof createCmsService>
