/**
 * One job in a fresh worker thread with a deadline and a heap cap: what rag runs off the event
 * loop (parsers that are not linear on hostile input, learning a corpus model). A synchronous
 * computation cannot be interrupted on the main thread; a worker can be terminated.
 */
import { Worker } from 'node:worker_threads'

export interface WorkerLimits {
  timeoutMs: number
  heapMb: number
  /** The error for a worker that outlived its deadline. */
  timeout(): Error
  /** The error for a worker that died (out of memory, a crash, an exit) before answering. */
  crashed(detail: string): Error
}

/** Resolves with the worker's one message; the worker is terminated whatever happens. */
export function runInWorker<M>(url: URL, workerData: unknown, limits: WorkerLimits): Promise<M> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData, resourceLimits: { maxOldGenerationSizeMb: limits.heapMb }, stdout: true, stderr: true })
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void worker.terminate()
      fn()
    }
    const timer = setTimeout(() => settle(() => reject(limits.timeout())), limits.timeoutMs)
    worker.once('message', (m: M) => settle(() => resolve(m)))
    worker.once('error', (err) => settle(() => reject(limits.crashed(String(err.message).slice(0, 200)))))
    worker.once('exit', (code) => settle(() => reject(limits.crashed(`exit ${code} before finishing`))))
  })
}
