/** Worker side of learn.ts: learns a corpus model from the texts it is given and posts its JSON. */
import { parentPort, workerData } from 'node:worker_threads'
import { learnCorpusModel, type LearnOptions } from './corpus-model.ts'

const { texts, opts } = workerData as { texts: string[]; opts: LearnOptions }
try {
  parentPort!.postMessage({ ok: learnCorpusModel(texts, opts).toJSON() })
} catch (err) {
  parentPort!.postMessage({ error: { message: String((err as Error)?.message ?? err) } })
}
