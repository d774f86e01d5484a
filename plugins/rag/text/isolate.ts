/**
 * Runs a parser that is not linear-time on hostile input (micromark's emphasis runs, pdf.js on a
 * crafted file) in a worker thread with a deadline and a heap cap. A synchronous parser cannot be
 * interrupted on the main thread; a worker can be terminated, so a bad upload costs at most
 * `timeoutMs` of one core and never stalls the requests sharing the event loop.
 */
import { Worker } from 'node:worker_threads'
import { RagErrors } from '../errors.ts'
import type { ParsedDocument } from './types.ts'

export interface IsolatedJob { format: 'markdown' | 'html' | 'pdf'; source?: string; bytes?: Uint8Array; maxChars: number }

const WORKER = new URL('./parse-worker.ts', import.meta.url)
const HEAP_MB = 512
const KNOWN = Object.values(RagErrors)

export function parseIsolated(job: IsolatedJob, timeoutMs: number): Promise<ParsedDocument> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: HEAP_MB }, stdout: true, stderr: true })
    let settled = false
    const settle = (fn: () => void) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      void worker.terminate()
      fn()
    }
    const timer = setTimeout(
      () => settle(() => reject(RagErrors.parseTimeout(`Parsing the ${job.format} document took longer than ${timeoutMs} ms.`))),
      timeoutMs,
    )
    worker.once('message', (m: { ok?: ParsedDocument; error?: { code?: string; message: string } }) => {
      settle(() => {
        if (m.ok) return resolve(m.ok)
        const kind = KNOWN.find((k) => k.code === m.error?.code)
        reject(kind ? kind(m.error!.message) : RagErrors.documentUnparsable(`The ${job.format} document cannot be parsed: ${m.error?.message.slice(0, 200)}`))
      })
    })
    worker.once('error', (err) => {
      // Out of memory in the worker (ERR_WORKER_OUT_OF_MEMORY) or a parser crash: the document's fault.
      settle(() => reject(RagErrors.documentUnparsable(`The ${job.format} document cannot be parsed: ${String(err.message).slice(0, 200)}`)))
    })
    worker.once('exit', (code) => {
      settle(() => reject(RagErrors.documentUnparsable(`The ${job.format} parser stopped (exit ${code}) before finishing.`)))
    })
  })
}
