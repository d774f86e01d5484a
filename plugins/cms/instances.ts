/**
 * Which clients hold which release (Apollo's "instances" view), kept in memory by the process that
 * served them: bounded per namespace and in total, oldest entries evicted first. Recording is on
 * the read path, so it only touches a map; what changed (a new client, a client on another
 * release, or one not re-reported for a minute) is marked dirty for instances-sync.ts, which
 * publishes each process's part to the key-value store so every process (both DCs) lists them all.
 */
import type { ClientInfo, NamespaceRef } from './model.ts'

export interface InstanceRecord {
  id: string
  ip?: string
  labels: Record<string, string>
  releaseKey: string
  lastSeen: string
  /** The process that served it (`<dc>/<process>`); set when merged from the store. */
  servedBy?: string
}

interface Held {
  id: string
  ip?: string
  labels: Record<string, string>
  releaseKey: string
  at: number
  /** When it was last marked dirty for publishing. */
  publishedAt: number
}

/** A client re-reporting the same release is published again after this long (keeps lastSeen honest). */
const REFRESH_MS = 60_000

const nsKey = (r: NamespaceRef) => `${r.projectId}/${r.app}/${r.env}/${r.cluster}/${r.namespace}`

export function createInstances(limits: { perNamespace: number; total: number } = { perNamespace: 5_000, total: 100_000 }) {
  const byNs = new Map<string, { ref: NamespaceRef; clients: Map<string, Held> }>()
  const dirty = new Map<string, NamespaceRef>()
  let total = 0

  const toRecord = (h: Held): InstanceRecord => ({ id: h.id, ...(h.ip ? { ip: h.ip } : {}), labels: h.labels, releaseKey: h.releaseKey, lastSeen: new Date(h.at).toISOString() })

  return {
    record(ref: NamespaceRef, client: ClientInfo, releaseKey: string) {
      const id = client.id ?? client.ip
      if (!id) return
      const k = nsKey(ref)
      let entry = byNs.get(k)
      if (!entry) byNs.set(k, (entry = { ref: { ...ref }, clients: new Map() }))
      const m = entry.clients
      const now = Date.now()
      const prev = m.get(id)
      if (prev) {
        m.delete(id)
        total--
      }
      const changed = !prev || prev.releaseKey !== releaseKey || now - prev.publishedAt >= REFRESH_MS
      // Maps iterate in insertion order: re-inserting keeps the least recently seen first.
      m.set(id, { id, ip: client.ip, labels: { ...client.labels }, releaseKey, at: now, publishedAt: changed ? now : prev!.publishedAt })
      total++
      if (changed) dirty.set(k, entry.ref)
      if (m.size > limits.perNamespace) {
        m.delete(m.keys().next().value!)
        total--
      }
      if (total > limits.total) {
        const [firstNs, first] = byNs.entries().next().value!
        first.clients.delete(first.clients.keys().next().value!)
        total--
        if (first.clients.size === 0) byNs.delete(firstNs)
      }
    },
    /** Most recently seen first, at most `limit`. */
    list(ref: NamespaceRef, limit = Infinity): InstanceRecord[] {
      const out: InstanceRecord[] = []
      const held = [...(byNs.get(nsKey(ref))?.clients.values() ?? [])]
      for (let i = held.length - 1; i >= 0 && out.length < limit; i--) out.push(toRecord(held[i]!))
      return out
    },
    /** The namespaces with something new to publish since the last call. */
    takeDirty(): NamespaceRef[] {
      const refs = [...dirty.values()]
      dirty.clear()
      return refs
    },
    markDirty(ref: NamespaceRef) {
      dirty.set(nsKey(ref), ref)
    },
    /** Everything is to be published again (the published copies were lost with their lease). */
    markAllDirty() {
      for (const [k, e] of byNs) dirty.set(k, e.ref)
    },
    forgetProject(projectId: string) {
      for (const [k, e] of byNs) {
        if (k.startsWith(`${projectId}/`)) {
          total -= e.clients.size
          byNs.delete(k)
        }
      }
      for (const k of [...dirty.keys()]) if (k.startsWith(`${projectId}/`)) dirty.delete(k)
    },
  }
}

export type Instances = ReturnType<typeof createInstances>
