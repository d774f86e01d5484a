/**
 * One JSON document per project under a key-value prefix (`<prefix><projectId>`), served from
 * memory: one range at start, then a watch from the next revision, so a write in either DC reaches
 * every process and a read never waits on etcd. A write through this process is applied at once
 * (read-your-writes). A store that is down at start does not stop the process: loading retries in
 * the background, and until the first load a read goes to the store (and fails if it cannot).
 * Deletions are kept with their revision so a late, older put cannot bring a document back.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { KvStore, KvWatch } from '../ports/kv.ts'
import { KvErrors } from './errors.ts'

export interface KvDocCache<T> {
  /** The parsed document (undefined: none); synchronous once loaded. */
  get(projectId: string): T | undefined | Promise<T | undefined>
  /** The stored document as written, with its revision, read from the store. */
  stored(projectId: string): Promise<{ doc: unknown; revision: number } | undefined>
  put(projectId: string, doc: unknown): Promise<void>
  delete(projectId: string): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
}

export function createKvDocCache<T>(opts: { kv: KvStore; prefix: string; parse: (doc: unknown) => T; log: FastifyBaseLogger; retryMs?: number }): KvDocCache<T> {
  const { kv, prefix, log } = opts
  const docs = new Map<string, { value: T | undefined; revision: number }>()
  let loaded = false
  let closed = false
  let watch: KvWatch | undefined
  let retry: NodeJS.Timeout | undefined

  function apply(key: string, value: string | undefined, revision: number) {
    const projectId = key.slice(prefix.length)
    const have = docs.get(projectId)
    if (have && have.revision > revision) return
    if (value === undefined) return void docs.set(projectId, { value: undefined, revision })
    try {
      docs.set(projectId, { value: opts.parse(JSON.parse(value)), revision })
    } catch (err) {
      log.error({ err, projectId, prefix }, 'stored document does not parse; keeping the previous one')
    }
  }

  async function load() {
    const r = await kv.range(prefix)
    for (const e of r.entries) apply(e.key, e.value, e.modRevision)
    watch = await kv.watch(prefix, (ev) => apply(ev.key, ev.type === 'put' ? ev.value : undefined, ev.modRevision), {
      fromRevision: r.revision + 1,
      onError: (err) => {
        if (!KvErrors.compacted.is(err)) return log.warn({ err, prefix }, 'document watch error; retrying')
        void watch?.cancel()
        schedule()
      },
    })
    loaded = true
  }

  function schedule() {
    if (closed) return
    retry = setTimeout(() => load().catch((err) => (log.warn({ err, prefix }, 'document load failed; retrying'), schedule())), opts.retryMs ?? 1000)
  }

  return {
    get(projectId) {
      const hit = docs.get(projectId)
      if (hit) return hit.value
      if (loaded) return undefined
      return kv.get(prefix + projectId).then((e) => (e ? opts.parse(JSON.parse(e.value)) : undefined))
    },
    async stored(projectId) {
      const e = await kv.get(prefix + projectId)
      return e ? { doc: JSON.parse(e.value), revision: e.modRevision } : undefined
    },
    async put(projectId, doc) {
      const text = JSON.stringify(doc)
      const { revision } = await kv.put(prefix + projectId, text)
      apply(prefix + projectId, text, revision)
    },
    async delete(projectId) {
      const { revision } = await kv.delete(prefix + projectId)
      apply(prefix + projectId, undefined, revision)
    },
    async start() {
      await load().catch((err) => {
        log.warn({ err, prefix }, 'key-value store unreachable at start; loading in the background')
        schedule()
      })
    },
    async close() {
      closed = true
      clearTimeout(retry)
      await watch?.cancel()
    },
  }
}
