/**
 * One process per embedded data directory. PGlite has no lock of its own: two processes on one
 * directory both start, both acknowledge writes, and one overwrites the other's files, so an
 * acknowledged write is lost. The lock is a file next to the directory (`<dir>.lock`, not inside
 * it, where Postgres owns every file) that names its owner.
 *
 * Owner identity is pid + the process's start time + the boot id, not the pid alone: after a
 * SIGKILL or a crash the lock file stays, and its pid may since have been given to an unrelated
 * process (or, after a reboot, to anything). A lock whose owner is not running any more is stale
 * and is taken over. The owner is "the process that wrote the lock", whatever its command line:
 * the server, `npm run migrate` and tests all open PGlite through this adapter.
 *
 * Where /proc is missing (not Linux) the start time is unknown; a lock with a live pid is then
 * treated as held, which may refuse a start that would have been safe but never allows two owners.
 */
import { closeSync, fstatSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

export interface DataDirLock {
  readonly path: string
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void
}

interface Owner {
  pid: number
  /** Process start time in clock ticks since boot (field 22 of /proc/<pid>/stat); null off Linux. */
  startTicks: string | null
  bootId: string | null
}

/** The directory is held by another live process. A start-up error, not a bug: no stack needed. */
export class DataDirLockedError extends Error {
  readonly code = 'SQL_DATA_DIR_LOCKED'
  constructor(dir: string, lockPath: string, pid: number | null) {
    super(
      `Data directory ${dir} is in use by another Dyad process (${pid ? `pid ${pid}` : 'pid unknown'}). ` +
        `Only one process may open an embedded data directory; stop that process or choose another DYAD_DATA_DIR. ` +
        `(Lock file: ${lockPath})`,
    )
    this.name = 'DataDirLockedError'
  }
}

const UNKNOWN_OWNER: Owner = { pid: 0, startTicks: null, bootId: null }

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

function startTicksOf(pid: number): string | null {
  const stat = readText(`/proc/${pid}/stat`)
  // The command name (field 2) is in parentheses and may contain spaces: count fields after it.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields?.[19] ?? null // field 22 overall
}

function currentOwner(): Owner {
  return { pid: process.pid, startTicks: startTicksOf(process.pid), bootId: readText('/proc/sys/kernel/random/boot_id')?.trim() ?? null }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' // alive, another user's
  }
}

/** Is the process that wrote this record still running? */
function ownerAlive(owner: Owner, self: Owner): boolean {
  if (!pidAlive(owner.pid)) return false
  if (owner.bootId && self.bootId && owner.bootId !== self.bootId) return false // written before a reboot
  const ticks = startTicksOf(owner.pid)
  if (owner.startTicks && ticks) return owner.startTicks === ticks // same pid, same process?
  return true // cannot tell: assume held
}

function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text)
    return Number.isInteger(o?.pid) && o.pid > 0 ? { pid: o.pid, startTicks: o.startTicks ?? null, bootId: o.bootId ?? null } : null
  } catch {
    return null
  }
}

/**
 * Takes the lock for `dir` or throws DataDirLockedError. Creation is atomic: the record is written
 * to a private file and hard-linked into place, which fails if the lock exists, so a reader never
 * sees a half-written lock and two starters never both win.
 */
export function lockDataDir(dir: string): DataDirLock {
  const path = `${resolve(dir)}.lock` // resolve: a trailing slash would put the lock inside the directory
  const self = currentOwner()
  const record = JSON.stringify(self) + '\n'
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, record)
  try {
    // Two rounds: the second follows the removal of a stale lock, and meets any process that
    // raced us for it on equal terms (one link wins).
    for (let round = 0; round < 2; round++) {
      try {
        linkSync(tmp, path)
        return ownLock(path, record)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const owner = removeIfStale(path, self)
      if (owner) throw new DataDirLockedError(dir, path, owner.pid || null)
    }
    throw new DataDirLockedError(dir, path, parseOwner(readText(path) ?? '')?.pid ?? null)
  } finally {
    unlinkSync(tmp)
  }
}

/**
 * Returns the live owner, or null after moving a stale lock out of the way. The stale file is
 * renamed (atomic, and only one process can move a given file) and then checked to be the very file
 * judged stale (same inode): if another process replaced it in between, that fresh lock is put back.
 */
function removeIfStale(path: string, self: Owner): Owner | null {
  let ino: number
  let text: string
  try {
    // Inode and content from one open file, so both describe the same lock.
    const fd = openSync(path, 'r')
    try {
      ino = fstatSync(fd).ino
      text = readFileSync(fd, 'utf8')
    } finally {
      closeSync(fd)
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null // released meanwhile
    throw err
  }
  // An unreadable record can only come from outside Dyad or a torn disk write (ours are linked
  // in complete); nobody can be proven to own it, so it is stale.
  const owner = parseOwner(text)
  if (owner && ownerAlive(owner, self)) return owner
  const moved = `${path}.${process.pid}.stale`
  try {
    renameSync(path, moved)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null // another starter moved it
    throw err
  }
  if (statSync(moved).ino !== ino) {
    // Not the file judged stale but a fresh lock made in between: put it back (unless yet another
    // starter has linked one in since) and report the directory as held.
    try {
      linkSync(moved, path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    unlinkSync(moved)
    return parseOwner(readText(path) ?? '') ?? UNKNOWN_OWNER
  }
  unlinkSync(moved)
  return null
}

function ownLock(path: string, record: string): DataDirLock {
  let held = true
  return {
    path,
    release() {
      if (!held) return
      held = false
      // Only our own record: never delete a lock someone else holds.
      if (readText(path) === record) unlinkSync(path)
    },
  }
}
