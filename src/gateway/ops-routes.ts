/**
 * Operational endpoints: liveness, readiness per dependency, Prometheus metrics and the OpenAPI
 * document. All public: load balancers and scrapers call them without credentials.
 */
import type { FastifyInstance } from 'fastify'
import type { MetricsRegistry } from './metrics.ts'

export type ReadinessCheck = () => Promise<void>

const CHECK_TIMEOUT_MS = 2000

async function runCheck(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS))),
    ])
    return 'ok'
  } catch (err) {
    return `error: ${(err as Error).message}`.slice(0, 300)
  } finally {
    clearTimeout(timer)
  }
}

export async function opsRoutes(app: FastifyInstance, opts: { dc: string; checks: Record<string, ReadinessCheck>; metrics: Pick<MetricsRegistry, 'render' | 'contentType'> }) {
  const tags = ['ops']
  app.get('/health/live', {
    config: { public: true },
    schema: { tags, summary: 'The process is up', response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string' }, dc: { type: 'string' } } } } },
    handler: async () => ({ status: 'ok', dc: opts.dc }),
  })

  const readiness = {
    type: 'object',
    required: ['status', 'checks', 'runtime'],
    properties: {
      status: { type: 'string', enum: ['ok', 'unavailable'] },
      dc: { type: 'string' },
      checks: { type: 'object', additionalProperties: { type: 'string' } },
      // Which runtime answers: during a rolling Node upgrade the two DCs may differ.
      runtime: { type: 'object', required: ['node', 'v8'], properties: { node: { type: 'string' }, v8: { type: 'string' } } },
    },
  }
  const runtime = { node: process.version, v8: process.versions.v8 }
  app.get('/health/ready', {
    config: { public: true },
    schema: { tags, summary: 'Every dependency answers (503 names the ones that do not)', response: { 200: readiness, 503: readiness } },
    handler: async (_req, reply) => {
      const names = Object.keys(opts.checks)
      const results = await Promise.all(names.map((n) => runCheck(opts.checks[n])))
      const checks = Object.fromEntries(names.map((n, i) => [n, results[i]]))
      const ok = results.every((r) => r === 'ok')
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', dc: opts.dc, checks, runtime })
    },
  })

  app.get('/metrics', {
    config: { public: true },
    schema: { tags, summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'], response: { 200: { type: 'string' } } },
    handler: async (_req, reply) => reply.type(opts.metrics.contentType).send(await opts.metrics.render()),
  })

  app.get('/openapi.json', {
    config: { public: true },
    schema: { hide: true },
    handler: async () => app.swagger(),
  })
}
