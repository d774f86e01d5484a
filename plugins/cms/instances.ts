/**
 * Which clients hold which release (Apollo's "instances" view), kept in memory by the process that
 * served them: bounded per namespace and in total, oldest entries evicted first. Each process
 * reports the clients it serves; a client that moves to the other DC shows up there.
 */
import type { ClientInfo, NamespaceRef } from './model.ts'

export interface InstanceRecord {
  id: string
  ip?: string
  labels: Record<string, string>
  releaseKey: string
  lastSeen: string
}

const nsKey = (r: NamespaceRef) => `${r.projectId}/${r.app}/${r.env}/${r.cluster}/${r.namespace}`

export function createInstances(limits: { perNamespace: number; total: number } = { perNamespace: 5_000, total: 100_000 }) {
  const byNs = new Map<string, Map<string, InstanceRecord>>()
  let total = 0

  return {
    record(ref: NamespaceRef, client: ClientInfo, releaseKey: string) {
      const id = client.id ?? client.ip
      if (!id) return
      const k = nsKey(ref)
      let m = byNs.get(k)
      if (!m) byNs.set(k, (m = new Map()))
      if (m.delete(id)) total--
      // Maps iterate in insertion order: re-inserting keeps the least recently seen first.
      m.set(id, { id, ip: client.ip, labels: { ...client.labels }, releaseKey, lastSeen: new Date().toISOString() })
      total++
      if (m.size > limits.perNamespace) {
        m.delete(m.keys().next().value!)
        total--
      }
      if (total > limits.total) {
        const [firstNs, firstMap] = byNs.entries().next().value!
        firstMap.delete(firstMap.keys().next().value!)
        total--
        if (firstMap.size === 0) byNs.delete(firstNs)
      }
    },
    list(ref: NamespaceRef): InstanceRecord[] {
      return [...(byNs.get(nsKey(ref))?.values() ?? [])].reverse()
    },
    forgetProject(projectId: string) {
      for (const [k, m] of byNs) {
        if (k.startsWith(`${projectId}/`)) {
          total -= m.size
          byNs.delete(k)
        }
      }
    },
  }
}
