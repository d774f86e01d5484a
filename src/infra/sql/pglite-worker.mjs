/**
 * The PGlite database of the embedded profile, in a worker thread (see pglite.ts, which starts it).
 *
 * PGlite is Postgres compiled to WASM: every statement runs on the thread that owns the instance.
 * Owned by the main thread, a batch insert of decision logs or a chunk upsert held request serving
 * for tens of milliseconds; here it only holds this thread. Plain JavaScript on purpose: it runs
 * under whatever loader the parent has (tsx, tap's) or none.
 *
 * Protocol (one message per call, answered by id): `query`, `exec`, `begin` (opens a transaction,
 * answered once it holds PGlite's connection), `query`/`exec` with `tx`, `commit`/`rollback` with
 * `tx`, `close`. Answers are `{ id, ok: true, value }` or `{ id, ok: false, error }` where `error`
 * carries the message and the primitive fields of the database error (code, detail, constraint...),
 * which is what callers inspect.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'

const ROLLBACK = Symbol('rollback')

function errorFields(err) {
  const out = { message: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' }
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v
  }
  return out
}

const answer = (id, value) => parentPort.postMessage({ id, ok: true, value })
const fail = (id, err) => parentPort.postMessage({ id, ok: false, error: errorFields(err) })

async function run(target, m) {
  if (m.op === 'exec') {
    await target.exec(m.text)
    return undefined
  }
  const res = await target.query(m.text, m.params)
  return { rows: res.rows, affectedRows: res.affectedRows ?? 0 }
}

let db
try {
  db = await PGlite.create(workerData.dataDir, { extensions: { vector }, relaxedDurability: false })
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector')
  parentPort.postMessage({ ready: true })
} catch (err) {
  parentPort.postMessage({ ready: false, error: errorFields(err) })
  process.exit(0)
}

/** Open transactions by id: the calls the main thread sent for each, taken in order. */
const transactions = new Map()

function openTransaction(id) {
  const state = { queue: [], wake: undefined, last: undefined }
  db.transaction(async (tx) => {
    transactions.set(id, state)
    answer(id, id)
    for (;;) {
      while (state.queue.length === 0) await new Promise((resolve) => (state.wake = resolve))
      const m = state.queue.shift()
      state.last = m
      if (m.op === 'commit') return m
      if (m.op === 'rollback') throw Object.assign(new Error('rollback'), { [ROLLBACK]: m })
      try {
        answer(m.id, await run(tx, m))
      } catch (err) {
        fail(m.id, err)
      }
    }
  }).then(
    (m) => {
      transactions.delete(id)
      answer(m.id, undefined)
    },
    (err) => {
      transactions.delete(id)
      const m = err?.[ROLLBACK]
      if (m) answer(m.id, undefined)
      else {
        // BEGIN or COMMIT failed: the call waiting for it (begin's own id, or the commit) hears it.
        fail(state.last?.op === 'commit' ? state.last.id : id, err)
        for (const q of state.queue) fail(q.id, err)
      }
    },
  )
}

let closing = false
parentPort.on('message', async (m) => {
  if (m.tx !== undefined) {
    const state = transactions.get(m.tx)
    if (!state) return fail(m.id, new Error('no such transaction'))
    state.queue.push(m)
    const wake = state.wake
    state.wake = undefined
    wake?.()
    return
  }
  if (m.op === 'begin') return openTransaction(m.id)
  if (m.op === 'close') {
    if (closing) return answer(m.id, undefined)
    closing = true
    try {
      await db.close()
      answer(m.id, undefined)
    } catch (err) {
      fail(m.id, err)
    }
    return
  }
  try {
    answer(m.id, await run(db, m))
  } catch (err) {
    fail(m.id, err)
  }
})
