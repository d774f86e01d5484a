/**
 * The one contract every JobQueue adapter must pass (pg-boss on PGlite and on Postgres).
 * `queue()` makes another queue instance on the same database, as a second process (or DC) would;
 * every subtest uses its own queue names. Every wait is bounded; nothing asserts speed.
 */
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { JobContext, JobQueue } from '../../src/infra/ports/jobs.ts'

export interface JobsHarness {
  /** A started queue instance on the shared database; stopped by cleanup. */
  queue(): Promise<JobQueue>
  /**
   * Makes `q` vanish as a crashed process would: it writes nothing more (its active jobs are not
   * marked failed), its connections die where it has its own, and nothing of it keeps running.
   * Absent for an adapter that cannot model that in one process (the crash test is then skipped).
   */
  crash?(q: JobQueue): Promise<void>
  cleanup(): Promise<void>
}

const name = (what: string) => `${what}-${randomBytes(4).toString('hex')}`
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const POLL = { pollIntervalSeconds: 0.25 }

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(50)
  }
}

async function stateOf(q: JobQueue, queue: string, id: string) {
  return (await q.get(queue, id))?.state
}

export async function jobsContract(t: Test, make: () => Promise<JobsHarness>): Promise<void> {
  const h = await make()
  t.teardown(() => h.cleanup())

  t.test('a job enqueued on an instance with an idle worker runs without waiting for its next poll', async (t) => {
    const q = await h.queue()
    const queue = name('prompt')
    let ran = 0
    // A poll interval far beyond the bounded wait below: only the enqueue's wake-up can run it in time.
    await q.work(queue, { concurrency: 1, pollIntervalSeconds: 600 }, async () => void ran++)
    await sleep(200) // the worker's first (empty) fetch is done; it naps
    const { id } = await q.enqueue({ queue, payload: {} })
    await eventually(async () => (await stateOf(q, queue, id)) === 'completed', 20_000, 'completion')
    t.equal(ran, 1)
  })

  t.test('a job is enqueued, worked once with its payload, and completed', async (t) => {
    const q = await h.queue()
    const queue = name('ingest')
    const { id } = await q.enqueue({ queue, payload: { doc: 'a', n: 1 } })
    t.type(id, 'string')
    t.same(await q.get(queue, id), { id, state: 'created', attempt: 1 })
    const seen: Omit<JobContext<unknown>, 'signal'>[] = []
    await q.work<{ doc: string }>(queue, { concurrency: 1, ...POLL }, async ({ signal, ...job }) => {
      t.equal(signal.aborted, false)
      seen.push(job)
    })
    await eventually(async () => (await stateOf(q, queue, id)) === 'completed', 20_000, 'completion')
    t.strictSame(seen, [{ id, queue, payload: { doc: 'a', n: 1 }, attempt: 1 }])
    t.equal(await q.get(queue, 'a0000000-0000-4000-8000-000000000000'), undefined, 'unknown id')
    // Ids come from tenants' URLs: a malformed one is simply not a job (no SQL error).
    for (const bad of ['', 'not-a-uuid', "x'; DROP TABLE job; --", 'a'.repeat(10_000)]) {
      t.equal(await q.get(queue, bad), undefined, `get of malformed id ${bad.slice(0, 20)}`)
      await q.cancel(queue, bad)
    }
    t.equal(await stateOf(q, queue, id), 'completed', 'a malformed cancel touched nothing')
  })

  t.test('a throwing handler is retried with backoff up to retryLimit, then failed with its error', async (t) => {
    const q = await h.queue()
    const queue = name('retry')
    const attempts: { attempt: number; at: number }[] = []
    await q.work(queue, { concurrency: 1, ...POLL }, async (job) => {
      attempts.push({ attempt: job.attempt, at: Date.now() })
      throw new Error(`boom ${job.attempt}`)
    })
    const { id } = await q.enqueue({ queue, payload: {}, retryLimit: 2, retryDelaySeconds: 1, retryBackoff: true })
    await eventually(async () => (await stateOf(q, queue, id)) === 'failed', 60_000, 'final failure')
    t.same(attempts.map((a) => a.attempt), [1, 2, 3])
    // Backoff: each retry waits at least the (growing) delay; only lower bounds are asserted.
    t.ok(attempts[1].at - attempts[0].at >= 900, 'first retry after the delay')
    t.ok(attempts[2].at - attempts[1].at >= 1900, 'second retry after twice the delay')
    const job = await q.get(queue, id)
    t.match(job, { id, state: 'failed', attempt: 3, output: { message: 'boom 3' } })
  })

  t.test('singletonKey allows one unfinished job per key', async (t) => {
    const q = await h.queue()
    const queue = name('single')
    const { id: first, created } = await q.enqueue({ queue, payload: { v: 1 }, singletonKey: 'doc-1' })
    t.type(first, 'string')
    t.equal(created, true)
    // A repeat is answered with the unfinished job it duplicates, so a caller can report that job.
    t.same(await q.enqueue({ queue, payload: { v: 2 }, singletonKey: 'doc-1' }), { id: first, created: false }, 'duplicate refused')
    t.same(await q.get(queue, first), { id: first, state: 'created', attempt: 1 })
    const other = await q.enqueue({ queue, payload: { v: 3 }, singletonKey: 'doc-2' })
    t.ok(other.created && other.id !== first, 'another key is independent')
    // Concurrent enqueues of one new key: exactly one wins, and all name its job.
    const raced = await Promise.all([1, 2, 3, 4].map((v) => q.enqueue({ queue, payload: { v }, singletonKey: 'doc-3' })))
    t.equal(raced.filter((r) => r.created).length, 1, 'one of the racing enqueues')
    t.equal(new Set(raced.map((r) => r.id)).size, 1, 'one job id for all of them')
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    await q.work(queue, { concurrency: 3, ...POLL }, async () => gate)
    await eventually(async () => (await stateOf(q, queue, first)) === 'active', 20_000, 'the first job to start')
    t.same(await q.enqueue({ queue, payload: { v: 4 }, singletonKey: 'doc-1' }), { id: first, created: false }, 'refused while active')
    release()
    await eventually(async () => (await stateOf(q, queue, first)) === 'completed', 20_000, 'completion')
    const again = await q.enqueue({ queue, payload: { v: 5 }, singletonKey: 'doc-1' })
    t.ok(again.created && again.id !== first, 'accepted once finished')
  })

  t.test('a cancelled queued job never runs', async (t) => {
    const q = await h.queue()
    const queue = name('cancel-q')
    const { id: cancelled } = await q.enqueue({ queue, payload: { which: 'cancelled' } })
    await q.cancel(queue, cancelled)
    t.equal(await stateOf(q, queue, cancelled), 'cancelled')
    const { id: later } = await q.enqueue({ queue, payload: { which: 'later' } })
    const ran: string[] = []
    await q.work<{ which: string }>(queue, { concurrency: 1, ...POLL }, async (job) => {
      ran.push(job.payload.which)
    })
    await eventually(async () => (await stateOf(q, queue, later)) === 'completed', 20_000, 'the later job')
    t.same(ran, ['later'])
    t.equal(await stateOf(q, queue, cancelled), 'cancelled')
  })

  t.test('a running job cancelled (here or from another instance) sees its signal aborted', async (t) => {
    const worker = await h.queue()
    const other = await h.queue()
    const queue = name('cancel-r')
    const observed: Record<string, boolean> = {}
    await worker.work<{ k: string }>(queue, { concurrency: 2, ...POLL }, async ({ payload, signal }) => {
      const deadline = Date.now() + 20_000
      while (!signal.aborted && Date.now() < deadline) await sleep(50)
      observed[payload.k] = signal.aborted
    })
    const { id: local } = await worker.enqueue({ queue, payload: { k: 'local' } })
    const { id: remote } = await worker.enqueue({ queue, payload: { k: 'remote' } })
    for (const id of [local, remote]) {
      await eventually(async () => (await stateOf(worker, queue, id)) === 'active', 20_000, 'the job to start')
    }
    await worker.cancel(queue, local)
    await other.cancel(queue, remote)
    await eventually(() => Object.keys(observed).length === 2, 25_000, 'both handlers to return')
    t.same(observed, { local: true, remote: true })
    t.equal(await stateOf(worker, queue, local), 'cancelled', 'completion does not overwrite the cancel')
    t.equal(await stateOf(worker, queue, remote), 'cancelled')
  })

  t.test('a job active on an instance that stops abruptly is picked up by another', async (t) => {
    const a = await h.queue()
    const b = await h.queue()
    const queue = name('crash')
    const runs: { by: string; attempt: number; aborted?: boolean }[] = []
    await a.work(queue, { concurrency: 1, ...POLL }, async ({ attempt, signal }) => {
      const run: (typeof runs)[number] = { by: 'a', attempt }
      runs.push(run)
      const deadline = Date.now() + 20_000
      while (!signal.aborted && Date.now() < deadline) await sleep(50)
      run.aborted = signal.aborted
      throw new Error('interrupted')
    })
    const { id } = await a.enqueue({ queue, payload: {}, retryLimit: 2, retryDelaySeconds: 0, retryBackoff: false })
    await eventually(async () => (await stateOf(a, queue, id)) === 'active', 20_000, 'a to start the job')
    await a.stop({ graceful: false })
    // An abrupt stop does not wait for the handler; it notices the abort on its next check.
    await eventually(() => runs[0].aborted !== undefined, 20_000, "a's handler to return")
    t.equal(runs[0].aborted, true, "a's handler saw the shutdown")
    await b.work(queue, { concurrency: 1, ...POLL }, async ({ attempt }) => {
      runs.push({ by: 'b', attempt })
    })
    await eventually(async () => (await stateOf(b, queue, id)) === 'completed', 30_000, 'b to finish the job')
    t.same(runs, [
      { by: 'a', attempt: 1, aborted: true },
      { by: 'b', attempt: 2 },
    ])
  })

  t.test('an attempt that runs past expireInSeconds is aborted and retried', async (t) => {
    const q = await h.queue()
    const queue = name('overrun')
    const runs: { attempt: number; aborted: boolean }[] = []
    await q.work(queue, { concurrency: 1, ...POLL }, async ({ attempt, signal }) => {
      if (attempt > 1) return void runs.push({ attempt, aborted: signal.aborted })
      const deadline = Date.now() + 20_000
      while (!signal.aborted && Date.now() < deadline) await sleep(50)
      runs.push({ attempt, aborted: signal.aborted })
    })
    // The first attempt returns normally once aborted: that late success must not count.
    const { id } = await q.enqueue({ queue, payload: {}, retryLimit: 1, retryDelaySeconds: 0, retryBackoff: false, expireInSeconds: 1 })
    await eventually(async () => (await stateOf(q, queue, id)) === 'completed', 30_000, 'the retry to complete')
    t.same(runs, [
      { attempt: 1, aborted: true },
      { attempt: 2, aborted: false },
    ])
    t.match(await q.get(queue, id), { id, state: 'completed', attempt: 2 })
  })

  t.test('a job left active by a crashed instance expires and is retried by another', async (t) => {
    if (!h.crash) return t.plan(0, 'a crash takes every instance on this database down')
    const a = await h.queue()
    const b = await h.queue()
    const queue = name('expire')
    const runs: { by: string; attempt: number }[] = []
    let releaseZombie!: () => void
    const zombie = new Promise<void>((resolve) => (releaseZombie = resolve))
    t.teardown(() => releaseZombie())
    await a.work(queue, { concurrency: 1, ...POLL }, async ({ attempt }) => {
      runs.push({ by: 'a', attempt })
      await zombie
    })
    const { id } = await a.enqueue({ queue, payload: {}, retryLimit: 1, retryDelaySeconds: 0, retryBackoff: false, expireInSeconds: 2 })
    await eventually(async () => (await stateOf(b, queue, id)) === 'active', 20_000, 'a to start the job')
    await h.crash(a)
    await b.work(queue, { concurrency: 1, ...POLL }, async ({ attempt }) => {
      runs.push({ by: 'b', attempt })
    })
    await eventually(async () => (await stateOf(b, queue, id)) === 'completed', 40_000, 'b to finish the expired job')
    t.same(runs, [
      { by: 'a', attempt: 1 },
      { by: 'b', attempt: 2 },
    ])
  })

  t.test('two instances share the work and never run one job twice at once', async (t) => {
    const a = await h.queue()
    const b = await h.queue()
    const queue = name('share')
    const ids: string[] = []
    for (let i = 0; i < 16; i++) ids.push((await a.enqueue({ queue, payload: { i } })).id)
    const executions = new Map<string, number>()
    const activeNow = new Set<string>()
    let overlaps = 0
    const handler = (by: string) => async (job: JobContext<{ i: number }>) => {
      if (activeNow.has(job.id)) overlaps++
      activeNow.add(job.id)
      executions.set(job.id, (executions.get(job.id) ?? 0) + 1)
      await sleep(20)
      activeNow.delete(job.id)
      byInstance[by]++
    }
    const byInstance: Record<string, number> = { a: 0, b: 0 }
    await a.work(queue, { concurrency: 2, ...POLL }, handler('a'))
    await b.work(queue, { concurrency: 2, ...POLL }, handler('b'))
    await eventually(async () => {
      for (const id of ids) if ((await stateOf(a, queue, id)) !== 'completed') return false
      return true
    }, 60_000, 'all jobs to complete')
    t.equal(overlaps, 0)
    t.same([...executions.values()], ids.map(() => 1), 'each job ran exactly once')
    t.equal(byInstance.a + byInstance.b, ids.length)
  })

  t.test('a graceful stop waits for running handlers', async (t) => {
    const q = await h.queue()
    const queue = name('graceful')
    let finished = false
    let started = false
    await q.work(queue, { concurrency: 1, ...POLL }, async ({ signal }) => {
      started = true
      await sleep(700)
      finished = !signal.aborted
    })
    const { id } = await q.enqueue({ queue, payload: {} })
    await eventually(() => started, 20_000, 'the handler to start')
    await q.stop({ graceful: true, timeoutMs: 15_000 })
    t.equal(finished, true, 'the handler ran to its end before stop resolved')
    const check = await h.queue()
    t.equal(await stateOf(check, queue, id), 'completed')
  })
}
