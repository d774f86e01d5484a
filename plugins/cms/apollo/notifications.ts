/**
 * Apollo's notifications/v2 long-poll (NotificationControllerV2): the client sends, per namespace,
 * the last notificationId it has seen (-1: none); the server answers at once with every namespace
 * whose current id is greater, or holds the request until one is.
 *
 * A namespace's notificationId is the store revision of the head the client's read resolves to
 * (`ConfigReads.read(...).revision`, so after cluster fallback): it only grows, it is the same in
 * both DCs (one etcd), and a client that re-polls with it never misses a release. A namespace that
 * is not published (or not in the format its name says) has id -1 and is reported once it is.
 */
import { DEFAULT_CLUSTER, type ClientInfo, type ConfigChange, type ConfigReads } from '../model.ts'
import { NameSchema } from '../schemas.ts'
import { ApolloErrors } from './errors.ts'
import { fromApolloName, notificationName, type ApolloNamespace } from './names.ts'

/** Apollo's "never seen" id (ConfigConsts.NOTIFICATION_ID_PLACEHOLDER). */
export const NO_NOTIFICATION = -1
/** Namespaces one long-poll may watch. */
export const MAX_WATCHED = 200

const NAME_RE = new RegExp(NameSchema.pattern)

export interface Watched {
  ns: ApolloNamespace
  /** The name notifications report (Apollo strips `.properties`). */
  reported: string
  notificationId: number
}

export interface ApolloNotification {
  namespaceName: string
  notificationId: number
  messages: { details: Record<string, number> }
}

/** Parses the `notifications` parameter; throws a 400 on anything but Apollo's shape. */
export function parseNotifications(text: string): Watched[] {
  let list: unknown
  try {
    list = JSON.parse(text)
  } catch {
    throw ApolloErrors.invalidNotifications('notifications is not valid JSON; send a URL-encoded JSON array of {"namespaceName", "notificationId"}.')
  }
  if (!Array.isArray(list) || list.length === 0) throw ApolloErrors.invalidNotifications('notifications must be a non-empty JSON array.')
  if (list.length > MAX_WATCHED) throw ApolloErrors.invalidNotifications(`notifications lists ${list.length} namespaces; at most ${MAX_WATCHED} may be watched by one long-poll.`)
  const byName = new Map<string, Watched>()
  for (const item of list) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw ApolloErrors.invalidNotifications('Each notification must be an object {"namespaceName", "notificationId"}.')
    const { namespaceName, notificationId } = item as { namespaceName?: unknown; notificationId?: unknown }
    // Apollo skips entries without a name rather than refusing the poll.
    if (namespaceName === undefined || namespaceName === null || namespaceName === '') continue
    if (typeof namespaceName !== 'string') throw ApolloErrors.invalidNotifications('namespaceName must be a string.')
    const id = notificationId === undefined || notificationId === null ? NO_NOTIFICATION : notificationId
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < NO_NOTIFICATION) {
      throw ApolloErrors.invalidNotifications(`notificationId of ${JSON.stringify(namespaceName.slice(0, 140))} must be an integer, -1 or more.`)
    }
    const ns = fromApolloName(namespaceName)
    if (!ns || !NAME_RE.test(ns.name)) throw ApolloErrors.invalidNotifications(`${JSON.stringify(namespaceName.slice(0, 140))} is not a namespace name.`)
    const reported = notificationName(namespaceName)
    // The same namespace twice: the lower id wins, so the client is told of what it may have missed.
    const seen = byName.get(reported)
    if (!seen || id < seen.notificationId) byName.set(reported, { ns, reported, notificationId: id })
  }
  if (byName.size === 0) throw ApolloErrors.invalidNotifications('notifications names no namespace.')
  return [...byName.values()]
}

export interface PollScope {
  reads: ConfigReads
  projectId: string
  appId: string
  env: string
  cluster: string
  client: ClientInfo
  watched: Watched[]
}

/** The namespaces whose current notificationId is greater than the client's. */
export function pendingNotifications(s: PollScope): ApolloNotification[] {
  const out: ApolloNotification[] = []
  for (const w of s.watched) {
    const e = s.reads.read({ projectId: s.projectId, app: s.appId, env: s.env, cluster: s.cluster, namespace: w.ns.name }, s.client)
    if (!e || e.release.format !== w.ns.format || e.revision <= w.notificationId) continue
    out.push({ namespaceName: w.reported, notificationId: e.revision, messages: { details: { [`${s.appId}+${e.cluster}+${w.reported}`]: e.revision } } })
  }
  return out
}

/** Whether a change can move one of the watched namespaces (its own cluster or the fallback). */
export function touches(s: PollScope): (c: ConfigChange) => boolean {
  const names = new Set(s.watched.map((w) => w.ns.name))
  return (c) => c.ref.app === s.appId && c.ref.env === s.env && (c.ref.cluster === s.cluster || c.ref.cluster === DEFAULT_CLUSTER) && names.has(c.ref.namespace)
}
