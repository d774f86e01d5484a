/**
 * The access change feed on MongoDB: a change stream (Atlas and every replica set have them) over the
 * four collections that decide who may do what. A member's delete event carries only its ObjectId,
 * not (project, subject), so it is reported as a reset: deletes of members are rare, and a reset
 * only costs the consumers a round of re-reads. If the stream breaks it is reopened after a pause,
 * and a reset is reported, because events in between are lost.
 */
import type { ChangeStream, ChangeStreamDocument, Db } from 'mongodb'
import type { AccessChange, PlatformStore } from '../ports/platform.ts'

const KINDS: Record<string, 'apikey' | 'admin' | 'member' | 'project'> = {
  platform_api_keys: 'apikey',
  platform_admins: 'admin',
  platform_members: 'member',
  platform_projects: 'project',
}
const REOPEN_MS = 1_000

function toChange(ev: ChangeStreamDocument): AccessChange | null {
  if (!('ns' in ev) || !ev.ns || !('coll' in ev.ns) || !ev.ns.coll) return { kind: 'reset' }
  const kind = KINDS[ev.ns.coll]
  if (!kind) return null
  // Touching lastUsedAt is not a change of access.
  if (ev.operationType === 'update') {
    const fields = Object.keys(ev.updateDescription?.updatedFields ?? {})
    if (kind === 'apikey' && fields.length > 0 && fields.every((f) => f === 'lastUsedAt') && !ev.updateDescription?.removedFields?.length) return null
  }
  if (kind === 'member') {
    const doc = 'fullDocument' in ev ? (ev.fullDocument as { projectId?: string; subject?: string } | undefined) : undefined
    return doc?.projectId && doc.subject ? { kind, key: `${doc.projectId}/${doc.subject}` } : { kind: 'reset' }
  }
  const id = 'documentKey' in ev ? (ev.documentKey as { _id?: unknown })._id : undefined
  return typeof id === 'string' ? { kind, key: id } : { kind: 'reset' }
}

export function mongoAccessFeed(db: Db): PlatformStore['watchAccess'] {
  return async (onChange, onError) => {
    let stream: ChangeStream | null = null
    let cancelled = false
    let timer: NodeJS.Timeout | undefined
    const open = (reopened: boolean) => {
      if (cancelled) return
      stream = db.watch([{ $match: { 'ns.coll': { $in: Object.keys(KINDS) } } }], { fullDocument: 'updateLookup' })
      stream.on('change', (ev: ChangeStreamDocument) => {
        const change = toChange(ev)
        if (change) onChange(change)
      })
      stream.on('error', (err: Error) => {
        onError?.(err)
        stream?.close().catch(() => {})
        timer = setTimeout(() => open(true), REOPEN_MS)
      })
      // Events between the old stream's failure and this one are lost: consumers drop everything,
      // and only now, so that nothing they re-read in the gap stays cached.
      if (reopened) onChange({ kind: 'reset' })
    }
    open(false)
    return {
      async cancel() {
        cancelled = true
        clearTimeout(timer)
        await stream?.close().catch(() => {})
      },
    }
  }
}
