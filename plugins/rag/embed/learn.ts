/**
 * Learns a knowledge base's corpus model (a randomized SVD: seconds of CPU for thousands of
 * passages) in a worker thread with a deadline and a heap cap, so re-indexing never stalls the
 * requests sharing the event loop.
 */
import { Worker } from 'node:worker_threads'
import { CorpusModel, type LearnOptions } from './corpus-model.ts'
import { RagErrors } from '../errors.ts'

const WORKER = new URL('./learn-worker.ts', import.meta.url)
const HEAP_MB = 2048

export function learnInWorker(texts: string[], opts: LearnOptions, timeoutMs: number): Promise<CorpusModel> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: { texts, opts }, resourceLimits: { maxOldGenerationSizeMb: HEAP_MB } })
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void worker.terminate()
      fn()
    }
    const timer = setTimeout(() => settle(() => reject(RagErrors.invalidEmbedder(`Learning the corpus model took longer than ${timeoutMs} ms.`))), timeoutMs)
    worker.once('message', (m: { ok?: unknown; error?: { message: string } }) =>
      settle(() => (m.ok ? resolve(CorpusModel.fromJSON(m.ok)) : reject(new Error(`corpus model learning failed: ${m.error?.message}`)))),
    )
    worker.once('error', (err) => settle(() => reject(err)))
    worker.once('exit', (code) => settle(() => reject(new Error(`corpus model worker exited (${code}) before finishing`))))
  })
}
