/**
 * A small keep-alive HTTP load client: a fixed number of workers, each sending one request at a
 * time over its own kept-alive socket to 127.0.0.1, until a request count or a deadline is reached.
 * Both targets of a comparison go through this same client, so its overhead is common to both.
 */
import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Bound } from './scenario.ts'
import { summarize, type Summary } from './stats.ts'

export interface Target {
  name: string
  port: number
  method: 'GET' | 'POST' | 'PUT'
  path: string
  headers?: Record<string, string>
  body?: string
}

export interface Reply {
  status: number
  body: string
}

const REQUEST_TIMEOUT_MS = 10000

export function send(t: Target, agent?: Agent): Promise<Reply> {
  const body = t.body === undefined ? undefined : Buffer.from(t.body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: t.port,
        method: t.method,
        path: t.path,
        agent,
        headers: { ...t.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`request timed out after ${REQUEST_TIMEOUT_MS} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}

export interface LoadResult {
  target: string
  concurrency: number
  requests: number
  /** Responses whose status was not the expected one, plus transport errors. */
  errors: number
  durationMs: number
  /** Successful requests per second over the round. */
  rps: number
  latencyNs: Summary
  samplesNs: number[]
}

export async function load(t: Target, opts: { concurrency: number; bound: Bound; expectStatus: number }): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency })
  const samples: number[] = []
  let started = 0
  let errors = 0
  const t0 = performance.now()
  const deadline = t0 + opts.bound.maxMs
  const worker = async () => {
    while (started < opts.bound.count && performance.now() < deadline) {
      started++
      const s = process.hrtime.bigint()
      try {
        const r = await send(t, agent)
        if (r.status === opts.expectStatus) samples.push(Number(process.hrtime.bigint() - s))
        else errors++
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, worker))
  const durationMs = performance.now() - t0
  agent.destroy()
  return {
    target: t.name,
    concurrency: opts.concurrency,
    requests: samples.length + errors,
    errors,
    durationMs,
    rps: samples.length / (durationMs / 1000),
    latencyNs: summarize(samples),
    samplesNs: samples,
  }
}
