import t, { type Test } from 'tap'
import { createDecisionBuffer, type DecisionBufferOptions } from '../../../plugins/policy/decision-buffer.ts'

/** A buffer over an in-memory "store" whose writes can be made to fail. */
function harness(t: Test, opts: Partial<DecisionBufferOptions<number>> = {}) {
  const stored: number[] = []
  const dropped: Record<string, number> = {}
  const state = { failing: false, failures: 0, written: 0, batches: [] as number[], onStored: (_n: number) => {} }
  const buffer = createDecisionBuffer<number>({
    async write(batch) {
      if (state.failing) throw new Error('store down')
      state.batches.push(batch.length)
      for (const n of batch) {
        stored.push(n)
        state.onStored(n)
      }
    },
    limit: 100,
    batchSize: 100,
    intervalMs: 60_000,
    maxBackoffMs: 60_000,
    onWritten: (n) => (state.written += n),
    onDropped: (n, reason) => (dropped[reason] = (dropped[reason] ?? 0) + n),
    onWriteFailure: () => state.failures++,
    ...opts,
  })
  t.teardown(() => buffer.close())
  return { buffer, stored, dropped, state }
}

t.test('add does not write; flush writes everything in order', async (t) => {
  const { buffer, stored, state } = harness(t)
  for (let i = 0; i < 5; i++) buffer.add(i)
  t.same(stored, [], 'nothing is written on the caller\'s path')
  t.equal(buffer.size, 5)
  t.equal(await buffer.flush(), true)
  t.same(stored, [0, 1, 2, 3, 4])
  t.same(state.batches, [5], 'in one store call')
  t.equal(state.written, 5)
  t.equal(buffer.size, 0)
})

t.test('a full batch is written without waiting for the timer', async (t) => {
  const { buffer, stored, state } = harness(t, { batchSize: 3 })
  const third = new Promise<void>((resolve) => (state.onStored = (n) => n === 2 && resolve()))
  buffer.add(0)
  buffer.add(1)
  buffer.add(2)
  await third
  t.same(stored, [0, 1, 2])
})

t.test('the timer writes what waits', async (t) => {
  const { buffer, stored, state } = harness(t, { intervalMs: 5 })
  const written = new Promise<void>((resolve) => (state.onStored = () => resolve()))
  const keepAlive = setInterval(() => {}, 1000) // the buffer's own timer does not hold the process open
  buffer.add(7)
  await written
  clearInterval(keepAlive)
  t.same(stored, [7])
})

t.test('a full buffer drops the oldest entries', async (t) => {
  const { buffer, stored, dropped, state } = harness(t, { limit: 3 })
  state.failing = true
  for (let i = 0; i < 5; i++) buffer.add(i)
  t.equal(buffer.size, 3, 'memory stays bounded')
  t.same(dropped, { buffer_full: 2 })
  state.failing = false
  t.equal(await buffer.flush(), true)
  t.same(stored, [2, 3, 4], 'the newest are kept')
})

t.test('a failed write keeps the entries, in order, for the retry', async (t) => {
  const { buffer, stored, state } = harness(t, { batchSize: 2 })
  state.onStored = (n) => {
    if (n === 1) state.failing = true // the store fails after the first batch
  }
  for (let i = 0; i < 5; i++) buffer.add(i)
  t.equal(await buffer.flush(), false, 'flush reports the failure')
  t.same(stored, [0, 1])
  t.equal(state.failures, 1)
  t.equal(buffer.size, 3, 'the unwritten entries are still buffered')
  buffer.add(5)
  state.failing = false
  t.equal(await buffer.flush(), true, 'an explicit flush retries at once, whatever the backoff')
  t.same(stored, [0, 1, 2, 3, 4, 5], 'nothing lost, nothing reordered')
  t.equal(state.written, 6)
})

t.test('while a failure backs off, a full batch does not trigger a write', async (t) => {
  const { buffer, stored, state } = harness(t, { batchSize: 1 })
  state.failing = true
  buffer.add(1)
  t.equal(await buffer.flush(), false)
  t.equal(state.failures, 1)
  buffer.add(2) // a full batch: would start a write at once were it not for the backoff
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(state.failures, 1, 'no new attempt')
  state.failing = false
  t.equal(await buffer.flush(), true)
  t.same(stored, [1, 2])
})

t.test('close writes what is buffered and refuses later entries', async (t) => {
  const { buffer, stored, dropped } = harness(t)
  buffer.add(1)
  buffer.add(2)
  await buffer.close()
  t.same(stored, [1, 2])
  buffer.add(3)
  t.same(dropped, { closed: 1 })
})

t.test('close with the store down drops and counts what it could not write', async (t) => {
  const { buffer, stored, dropped, state } = harness(t)
  state.failing = true
  buffer.add(1)
  buffer.add(2)
  await buffer.close()
  t.same(stored, [])
  t.same(dropped, { shutdown: 2 })
  t.equal(buffer.size, 0)
})

t.test('discard drops matching entries, also those of a failing batch in flight', async (t) => {
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => (release = resolve))
  const stored: number[] = []
  const dropped: Record<string, number> = {}
  let first = true
  const buffer = createDecisionBuffer<number>({
    async write(batch) {
      if (first) {
        first = false
        await gate
        throw new Error('store down') // the in-flight batch fails and goes back to the queue
      }
      stored.push(...batch)
    },
    limit: 100,
    batchSize: 100,
    intervalMs: 60_000,
    maxBackoffMs: 60_000,
    onWritten: () => {},
    onDropped: (n, reason) => (dropped[reason] = (dropped[reason] ?? 0) + n),
    onWriteFailure: () => {},
  })
  t.teardown(() => buffer.close())
  for (const n of [1, 2, 3]) buffer.add(n)
  const inFlight = buffer.flush()
  buffer.add(4)
  buffer.add(5)
  const odd = (n: number) => n % 2 === 1
  const discarded = buffer.discard(odd)
  release()
  t.equal(await inFlight, false)
  t.equal(await discarded, 3, '5 from the queue, then 1 and 3 when their batch came back')
  t.same(dropped, { discarded: 3 })
  t.equal(await buffer.flush(), true)
  t.same(stored, [2, 4], 'the others are written, in order')
})

t.test('weights: the limit, the size and every count are in items; collect joins each flush', async (t) => {
  const pending: number[] = []
  // An entry n stands for n items.
  const h = harness(t, { limit: 10, weight: (n) => n, collect: () => pending.splice(0).forEach((n) => h.buffer.add(n)) })
  h.buffer.add(4)
  h.buffer.add(3)
  t.equal(h.buffer.size, 7, 'the size sums the weights')
  h.buffer.add(5)
  t.same(h.dropped, { buffer_full: 4 }, 'the oldest entry went, counted as its 4 items')
  t.equal(h.buffer.size, 8)
  pending.push(2)
  t.equal(await h.buffer.flush(), true)
  t.same(h.stored, [3, 5, 2], 'what collect added is part of the flush')
  t.equal(h.state.written, 10)
  h.state.failing = true
  pending.push(6)
  t.equal(await h.buffer.flush(), false)
  t.equal(h.buffer.size, 6, 'a failed write keeps its items')
  t.same(await h.buffer.discard((n) => n === 6), 6, 'discard counts items')
})
