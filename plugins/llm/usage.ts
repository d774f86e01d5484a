/**
 * Usage accounting: one row per LLM call (project, key, alias, provider, model, DC, tokens in and
 * out, cost from the target's price, latency, time to first token, status) in `llm_usage`, written
 * in batches off the request path, and summed for the admin view. Budgets do not depend on these
 * rows (they are enforced by the quota leases); a batch lost with a killed process loses only its
 * report lines.
 */
import type { FastifyBaseLogger } from 'fastify'
import type { SqlDatabase } from '../../src/infra/ports/sql.ts'

export interface UsageRecord {
  at: Date
  projectId: string
  keyId?: string
  subject: string
  endpoint: string
  alias: string
  provider?: string
  model?: string
  dc: string
  status: 'ok' | 'error' | 'aborted'
  errorCode?: string
  inputTokens: number
  outputTokens: number
  costUsd: number
  latencyMs: number
  ttftMs?: number
  requestId?: string
}

const COLUMNS = ['at', 'project_id', 'key_id', 'subject', 'endpoint', 'alias', 'provider', 'model', 'dc', 'status', 'error_code', 'input_tokens', 'output_tokens', 'cost_usd', 'latency_ms', 'ttft_ms', 'request_id'] as const
const BATCH = 200

export type GroupBy = 'model' | 'provider' | 'key' | 'dc' | 'alias' | 'day'
const GROUP_SQL: Record<GroupBy, string> = {
  model: 'model',
  provider: 'provider',
  key: "coalesce(key_id, 'jwt:' || subject)",
  dc: 'dc',
  alias: 'alias',
  day: "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
}

export function createUsageLedger({ sql, log, flushMs = 500 }: { sql: SqlDatabase; log: FastifyBaseLogger; flushMs?: number }) {
  let queue: UsageRecord[] = []
  let flushing: Promise<void> | undefined

  async function write(rows: UsageRecord[]) {
    const params: unknown[] = []
    const tuples = rows.map((r) => {
      const values = [r.at.toISOString(), r.projectId, r.keyId ?? null, r.subject, r.endpoint, r.alias, r.provider ?? null, r.model ?? null, r.dc, r.status, r.errorCode ?? null, r.inputTokens, r.outputTokens, r.costUsd, Math.round(r.latencyMs), r.ttftMs === undefined ? null : Math.round(r.ttftMs), r.requestId ?? null]
      const start = params.length
      params.push(...values)
      return `(${values.map((_, i) => `$${start + i + 1}`).join(', ')})`
    })
    await sql.query(`INSERT INTO llm_usage (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params)
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const rows = queue.splice(0, BATCH)
      try {
        await write(rows)
      } catch (err) {
        // Logged in full so the lines can be recovered; budgets are not affected.
        log.error({ err, usage: rows }, 'usage batch write failed')
      }
    }
  }

  const timer = setInterval(() => {
    if (!flushing && queue.length > 0) flushing = flush().finally(() => (flushing = undefined))
  }, flushMs)
  timer.unref()

  return {
    record(r: UsageRecord) {
      queue.push(r)
      if (queue.length >= BATCH * 5 && !flushing) flushing = flush().finally(() => (flushing = undefined))
    },
    /** Writes everything queued (tests, shutdown). */
    async flush() {
      await flushing
      await flush()
    },
    async summary(projectId: string, opts: { from: Date; to: Date; groupBy: GroupBy }) {
      const group = GROUP_SQL[opts.groupBy]
      const r = await sql.query<{ group: string | null; requests: string; errors: string; input_tokens: string; output_tokens: string; cost_usd: number; avg_latency_ms: number }>(
        `SELECT ${group} AS "group", count(*) AS requests, count(*) FILTER (WHERE status <> 'ok') AS errors,
                coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
                coalesce(sum(cost_usd), 0)::float8 AS cost_usd, coalesce(avg(latency_ms), 0)::float8 AS avg_latency_ms
           FROM llm_usage WHERE project_id = $1 AND at >= $2 AND at < $3
          GROUP BY 1 ORDER BY 1 NULLS LAST`,
        [projectId, opts.from.toISOString(), opts.to.toISOString()],
      )
      return r.rows.map((row) => ({
        group: row.group ?? '',
        requests: Number(row.requests),
        errors: Number(row.errors),
        inputTokens: Number(row.input_tokens),
        outputTokens: Number(row.output_tokens),
        costUsd: Number(row.cost_usd),
        avgLatencyMs: Math.round(Number(row.avg_latency_ms)),
      }))
    },
    async deleteProject(projectId: string) {
      queue = queue.filter((r) => r.projectId !== projectId)
      await sql.query('DELETE FROM llm_usage WHERE project_id = $1', [projectId])
    },
    async close() {
      clearInterval(timer)
      await flushing
      await flush()
    },
  }
}

export type UsageLedger = ReturnType<typeof createUsageLedger>
