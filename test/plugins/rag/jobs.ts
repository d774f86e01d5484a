/** Waiting for rag ingestion and reindex jobs over HTTP, bounded (about 30 s), for the rag tests. */
import type { FastifyInstance } from 'fastify'

const DONE = ['succeeded', 'failed', 'cancelled']

export async function waitJob(app: FastifyInstance, headers: Record<string, string>, projectId: string, jobId: string) {
  for (let i = 0; i < 300; i++) {
    const job = (await app.inject({ method: 'GET', url: `/v1/projects/${projectId}/rag/jobs/${jobId}`, headers })).json()
    if (DONE.includes(job.state)) return job
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`job ${jobId} did not finish`)
}

/** Polls `f` until it returns a value (about 30 s at most). */
export async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await f()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}
