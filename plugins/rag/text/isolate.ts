/**
 * Runs a parser that is not linear-time on hostile input (micromark's emphasis runs, pdf.js on a
 * crafted file) in a worker thread with a deadline and a heap cap. A synchronous parser cannot be
 * interrupted on the main thread; a worker can be terminated, so a bad upload costs at most
 * `timeoutMs` of one core and never stalls the requests sharing the event loop.
 */
import { RagErrors } from '../errors.ts'
import type { ParsedDocument } from './types.ts'
import { runInWorker } from '../worker.ts'

export interface IsolatedJob { format: 'markdown' | 'html' | 'pdf'; source?: string; bytes?: Uint8Array; maxChars: number }

const WORKER = new URL('./parse-worker.ts', import.meta.url)
const HEAP_MB = 512
const KNOWN = Object.values(RagErrors)

export async function parseIsolated(job: IsolatedJob, timeoutMs: number): Promise<ParsedDocument> {
  const m = await runInWorker<{ ok?: ParsedDocument; error?: { code?: string; message: string } }>(WORKER, job, {
    timeoutMs,
    heapMb: HEAP_MB,
    timeout: () => RagErrors.parseTimeout(`Parsing the ${job.format} document took longer than ${timeoutMs} ms.`),
    // Out of memory in the worker (ERR_WORKER_OUT_OF_MEMORY) or a parser crash: the document's fault.
    crashed: (detail) => RagErrors.documentUnparsable(`The ${job.format} document cannot be parsed: ${detail}`),
  })
  if (m.ok) return m.ok
  const kind = KNOWN.find((k) => k.code === m.error?.code)
  throw kind ? kind(m.error!.message) : RagErrors.documentUnparsable(`The ${job.format} document cannot be parsed: ${m.error?.message.slice(0, 200)}`)
}
