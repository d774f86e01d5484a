import { mkdirSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import type { SqlDatabase, SqlExecutor, SqlResult } from '../ports/sql.ts'
import { lockDataDir } from './data-dir-lock.ts'
import { SqlErrors } from './errors.ts'

export interface PgliteOptions {
  /** Directory that holds the database; omit for an in-memory database (tests). */
  dataDir?: string
}

interface Answer {
  id: number
  ok: boolean
  value?: unknown
  error?: { message: string; [field: string]: unknown }
}

type Call = { op: 'query'; text: string; params?: unknown[]; tx?: number } | { op: 'exec'; text: string; tx?: number } | { op: 'begin' | 'close' } | { op: 'commit' | 'rollback'; tx: number }

/** The database error as the worker described it: an Error with the same message and fields (code, detail...). */
function rebuild(e: NonNullable<Answer['error']>): Error {
  const { message, name, stack: _stack, ...fields } = e
  const err = Object.assign(new Error(message), fields)
  if (typeof name === 'string') err.name = name
  return err
}

/**
 * SQL port on PGlite (Postgres in WASM, with pgvector), the embedded default.
 *
 * PGlite runs in a worker thread (pglite-worker.mjs): statements are WASM work that would otherwise
 * hold the event loop (a batch of 500 decision-log events took about 20 ms, recovery after a kill
 * 10 s to over a minute). Calls cross by message; a transaction is a session in the worker that holds
 * PGlite's single connection until its commit or rollback arrives, so transactions serialise as
 * they did in-process. The worker keeps the process alive only while a call is outstanding.
 *
 * Durability: `relaxedDurability` stays off, so PGlite flushes its files to disk before a call is
 * answered; an acknowledged write survives SIGKILL. The price is that the next open after a kill
 * replays WAL, which the server's readiness reflects.
 *
 * If the worker dies (a WASM abort), every outstanding and later call fails with SQL_UNAVAILABLE;
 * the data directory is left as a kill would leave it.
 *
 * A data directory belongs to one process at a time (a lock file beside it, released on close).
 */
export async function createPgliteDatabase(opts: PgliteOptions = {}): Promise<SqlDatabase> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true })
  // Held from before the open until after the close: a second process on this directory would
  // overwrite our files (see data-dir-lock.ts). Throws DataDirLockedError when it is taken.
  const lock = opts.dataDir ? lockDataDir(opts.dataDir) : null
  const worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
    workerData: { dataDir: opts.dataDir },
    // Not the parent's flags: the worker is plain JavaScript and needs no loader, and some flags
    // (--input-type, --eval's) make a worker fail to start.
    execArgv: [],
  })
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  let nextId = 1
  let dead: Error | undefined

  const idle = () => {
    if (pending.size === 0) worker.unref()
  }
  const die = (err: Error) => {
    dead ??= SqlErrors.unavailable('The embedded database worker stopped: ' + err.message)
    for (const p of pending.values()) p.reject(dead)
    pending.clear()
    idle()
  }

  try {
    await new Promise<void>((resolve, reject) => {
      const opened = (m: { ready: boolean; error?: Answer['error'] }) => {
        worker.off('error', reject)
        worker.off('exit', exited)
        if (m.ready) resolve()
        else reject(rebuild(m.error!))
      }
      const exited = (code: number) => reject(new Error(`the embedded database worker exited (code ${code}) while opening`))
      worker.once('message', opened)
      worker.once('error', reject)
      worker.once('exit', exited)
    })
  } catch (err) {
    await worker.terminate().catch(() => {})
    lock?.release()
    throw err
  }
  worker.on('message', (m: Answer) => {
    const p = pending.get(m.id)
    if (!p) return
    pending.delete(m.id)
    idle()
    if (m.ok) p.resolve(m.value)
    else p.reject(rebuild(m.error!))
  })
  worker.on('error', die)
  worker.on('exit', (code) => die(new Error(`exit code ${code}`)))
  idle()

  function call<T>(msg: Call): Promise<T> {
    if (dead) return Promise.reject(dead)
    const id = nextId++
    return new Promise<T>((resolve, reject) => {
      try {
        // Throws for parameters the structured clone cannot copy (a function, a symbol): nothing
        // was sent, so nothing may stay pending (it would keep the process alive forever).
        worker.postMessage({ id, ...msg })
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)))
        return
      }
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      if (pending.size === 1) worker.ref()
    })
  }

  function executor(tx?: number): SqlExecutor {
    return {
      async query<Row>(text: string, params?: unknown[]): Promise<SqlResult<Row>> {
        const res = await call<{ rows: Row[]; affectedRows: number }>({ op: 'query', text, params, tx })
        // PGlite reports affectedRows 0 for SELECT; the pg driver reports the row count, so take the larger.
        return { rows: res.rows, rowCount: Math.max(res.affectedRows, res.rows.length) }
      },
      async exec(text: string) {
        await call({ op: 'exec', text, tx })
      },
    }
  }

  let closed = false
  return {
    dialect: 'pglite',
    ...executor(),
    async transaction(fn) {
      const tx = await call<number>({ op: 'begin' })
      let result
      try {
        result = await fn(executor(tx))
      } catch (err) {
        await call({ op: 'rollback', tx }).catch(() => {})
        throw err
      }
      await call({ op: 'commit', tx })
      return result
    },
    async ping() {
      await call({ op: 'query', text: 'SELECT 1' })
    },
    async close() {
      if (closed) return
      closed = true
      try {
        if (!dead) await call({ op: 'close' })
      } finally {
        dead ??= SqlErrors.unavailable('The embedded database is closed.')
        await worker.terminate().catch(() => {})
        lock?.release()
      }
    },
  }
}
