/**
 * Last-known-good authorization replacements, on local disk: each project's replacement (or the
 * fact that it has none) as this process last read it from the store. The authorizer falls back on
 * it only when the store is unreachable, so a process that restarts during an etcd outage decides
 * its tenants' requests as it did before instead of denying everything. A project this process
 * never read is still denied while the store is away (fail closed).
 *
 * The file is rewritten (debounced, atomically) when something changes; it holds policy source,
 * never decisions or credentials, and lives in the data directory like the cms snapshot.
 */
import { readFileSync } from 'node:fs'
import { writeFileAtomic } from '../../../src/shared/atomic-file.ts'

export interface LastKnownAuthz {
  /** The project's replacement source, null for "none", undefined when never read. */
  recall(projectId: string): string | null | undefined
  remember(projectId: string, raw: string | null): void
  forget(projectId: string): void
  /** Writes what is pending. */
  flush(): Promise<void>
}

interface SnapshotFile {
  version: 1
  projects: Record<string, string | null>
}

const WRITE_DELAY_MS = 500

export function createLastKnownAuthz(opts: { file?: string; log: { warn(obj: object, msg: string): void } }): LastKnownAuthz {
  const known = new Map<string, string | null>()
  if (opts.file) {
    try {
      const snap = JSON.parse(readFileSync(opts.file, 'utf8')) as Partial<SnapshotFile>
      if (snap.version === 1 && snap.projects && typeof snap.projects === 'object') {
        for (const [id, raw] of Object.entries(snap.projects)) if (raw === null || typeof raw === 'string') known.set(id, raw)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') opts.log.warn({ err, file: opts.file }, 'ignoring an unreadable authorization snapshot')
    }
  }

  let timer: NodeJS.Timeout | undefined
  let writing: Promise<void> = Promise.resolve()

  async function write() {
    const file = opts.file!
    const snap: SnapshotFile = { version: 1, projects: Object.fromEntries(known) }
    try {
      await writeFileAtomic(file, JSON.stringify(snap))
    } catch (err) {
      opts.log.warn({ err, file }, 'could not write the authorization snapshot')
    }
  }

  function schedule() {
    if (!opts.file || timer) return
    timer = setTimeout(() => {
      timer = undefined
      writing = writing.then(write)
    }, WRITE_DELAY_MS)
    timer.unref()
  }

  return {
    recall: (projectId) => known.get(projectId),
    remember(projectId, raw) {
      if (known.has(projectId) && known.get(projectId) === raw) return
      known.set(projectId, raw)
      schedule()
    },
    forget(projectId) {
      if (known.delete(projectId)) schedule()
    },
    async flush() {
      if (timer) {
        clearTimeout(timer)
        timer = undefined
        writing = writing.then(write)
      }
      await writing
    },
  }
}
