/**
 * The worker side of isolate.ts: parses one document and posts the result, or the error's code
 * and message (errors do not cross threads as instances).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { parseHtml } from './html.ts'
import { parseMarkdown } from './markdown.ts'
import { parsePdf } from './pdf.ts'
import type { IsolatedJob } from './isolate.ts'

const job = workerData as IsolatedJob
try {
  const doc =
    job.format === 'pdf' ? await parsePdf(job.bytes!, job.maxChars)
    : job.format === 'html' ? parseHtml(job.source!, job.maxChars)
    : parseMarkdown(job.source!, job.maxChars)
  parentPort!.postMessage({ ok: doc })
} catch (err) {
  const e = err as { code?: unknown; message?: unknown }
  parentPort!.postMessage({ error: { code: typeof e?.code === 'string' ? e.code : undefined, message: String(e?.message ?? err) } })
}
