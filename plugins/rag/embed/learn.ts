/**
 * Learns a knowledge base's corpus model (seconds of CPU for thousands of passages) in a worker
 * thread with a deadline and a heap cap, so re-indexing never stalls the requests sharing the
 * event loop.
 */
import { CorpusModel, type LearnOptions } from './corpus-model.ts'
import { RagErrors } from '../errors.ts'
import { runInWorker } from '../worker.ts'

const WORKER = new URL('./learn-worker.ts', import.meta.url)
const HEAP_MB = 2048

export async function learnInWorker(texts: string[], opts: LearnOptions, timeoutMs: number): Promise<CorpusModel> {
  const m = await runInWorker<{ ok?: unknown; error?: { message: string } }>(WORKER, { texts, opts }, {
    timeoutMs,
    heapMb: HEAP_MB,
    timeout: () => RagErrors.invalidEmbedder(`Learning the corpus model took longer than ${timeoutMs} ms.`),
    crashed: (detail) => new Error(`corpus model worker failed: ${detail}`),
  })
  if (!m.ok) throw new Error(`corpus model learning failed: ${m.error?.message}`)
  return CorpusModel.fromJSON(m.ok)
}
