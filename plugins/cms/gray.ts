/**
 * Gray-release selection: which clients get the gray release instead of the main one.
 *
 * A client matches when every label the rule lists has one of the rule's values, and then, when the
 * rule has a percentage, its id falls in the first `percentage`% of 10,000 buckets. The bucket is
 * the first 32 bits of sha256(namespace path + "\0" + client id): stable across processes, DCs and
 * restarts (a client never flips between releases while a rollout holds still), independent per
 * namespace (the same 10% of clients is not the guinea pig of every rollout), and widening the
 * percentage only adds clients.
 */
import { createHash } from 'node:crypto'
import type { ClientInfo, GrayRule, NamespaceRef } from './model.ts'

export const BUCKETS = 10_000

export function bucketOf(ref: NamespaceRef, clientId: string): number {
  const h = createHash('sha256').update(`${ref.projectId}/${ref.app}/${ref.env}/${ref.namespace}\0${clientId}`).digest()
  return h.readUInt32BE(0) % BUCKETS
}

export function matchesGray(rule: GrayRule, ref: NamespaceRef, client: ClientInfo): boolean {
  if (rule.labels) {
    for (const name of Object.keys(rule.labels)) {
      const have = Object.hasOwn(client.labels, name) ? client.labels[name] : undefined
      if (have === undefined || !rule.labels[name]!.includes(have)) return false
    }
  }
  if (rule.percentage !== undefined) {
    if (!client.id) return false
    return bucketOf(ref, client.id) < Math.round(rule.percentage * (BUCKETS / 100))
  }
  return true
}

/** `dc=dc2,version=2.1` (the query-string form clients send) to a label map; bounded. */
export function parseLabels(text: string | undefined): Record<string, string> {
  const labels: Record<string, string> = Object.create(null)
  if (!text) return labels
  for (const part of text.split(',').slice(0, 32)) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    labels[part.slice(0, i).trim()] = part.slice(i + 1).trim()
  }
  return labels
}
