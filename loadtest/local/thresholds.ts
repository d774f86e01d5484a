/**
 * k6 thresholds, evaluated by the local runner over the samples it recorded.
 *
 * A threshold is `metric[{tag:value,...}]` with expressions `<aggregation> <op> <number>`, as k6
 * writes them: `p(99)<250`, `avg<=100`, `med<50`, `max<1000`, `min>0`, `rate<0.01`,
 * `count<10`. The metrics are the ones the runner records, named as k6 names them:
 * `http_req_duration` (trend, ms), `http_req_failed` (rate of requests whose status the
 * definition does not expect, transport errors included), `http_reqs` (counter),
 * `dropped_iterations` (counter: arrivals not sent because `maxInFlight` were outstanding).
 */

export interface Sample {
  /** Request tags: `dc`, `request`, `kind`. */
  tags: Record<string, string>
  durationMs: number
  failed: boolean
}

export interface MetricData {
  samples: Sample[]
  /** Arrivals dropped, with the tags of the DC that dropped them. */
  dropped: Array<Record<string, string>>
  /** Seconds the load ran, for counter rates. */
  seconds: number
}

export interface ThresholdResult {
  metric: string
  expression: string
  value: number
  ok: boolean
}

const METRIC = /^([a-z_]+)(?:\{([^}]*)\})?$/
const EXPRESSION = /^\s*(avg|min|max|med|rate|count|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/

export class ThresholdSyntaxError extends Error {}

/** Parses `metric{tag:value}` into its name and tag filter; throws on anything else. */
export function parseMetric(spec: string): { name: string; tags: Record<string, string> } {
  const m = METRIC.exec(spec.trim())
  if (!m) throw new ThresholdSyntaxError(`not a metric: ${spec}`)
  const tags: Record<string, string> = {}
  for (const pair of (m[2] ?? '').split(',').filter((p) => p.trim())) {
    const i = pair.indexOf(':')
    if (i <= 0) throw new ThresholdSyntaxError(`bad tag filter "${pair}" in ${spec}`)
    tags[pair.slice(0, i).trim()] = pair.slice(i + 1).trim()
  }
  return { name: m[1], tags }
}

/** Nearest-rank percentile over sorted values (what k6 reports within its trend's precision). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]
}

const matches = (tags: Record<string, string>, filter: Record<string, string>) => Object.entries(filter).every(([k, v]) => tags[k] === v)

function aggregate(name: string, agg: string, p: number | undefined, data: MetricData, filter: Record<string, string>): number {
  const samples = data.samples.filter((s) => matches(s.tags, filter))
  switch (name) {
    case 'http_req_duration': {
      const values = samples.map((s) => s.durationMs).sort((a, b) => a - b)
      if (agg === 'avg') return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0
      if (agg === 'min') return values[0] ?? 0
      if (agg === 'max') return values[values.length - 1] ?? 0
      if (agg === 'med') return percentile(values, 50)
      if (p !== undefined) return percentile(values, p)
      break
    }
    case 'http_req_failed':
      if (agg === 'rate') return samples.length ? samples.filter((s) => s.failed).length / samples.length : 0
      break
    case 'http_reqs':
      if (agg === 'count') return samples.length
      if (agg === 'rate') return data.seconds > 0 ? samples.length / data.seconds : 0
      break
    case 'dropped_iterations': {
      const n = data.dropped.filter((t) => matches(t, filter)).length
      if (agg === 'count') return n
      if (agg === 'rate') return data.seconds > 0 ? n / data.seconds : 0
      break
    }
    default:
      throw new ThresholdSyntaxError(`unknown metric ${name} (known: http_req_duration, http_req_failed, http_reqs, dropped_iterations)`)
  }
  throw new ThresholdSyntaxError(`aggregation ${agg} does not apply to ${name}`)
}

function compare(value: number, op: string, bound: number): boolean {
  switch (op) {
    case '<': return value < bound
    case '<=': return value <= bound
    case '>': return value > bound
    case '>=': return value >= bound
    case '==':
    case '===': return value === bound
    default: return value !== bound
  }
}

/**
 * Evaluates every threshold over `data`, with `extra` tags (the DC) added to each metric's filter,
 * as k6 does for `metric{dc:dc1}`.
 */
export function evaluateThresholds(thresholds: Record<string, string[]>, data: MetricData, extra: Record<string, string> = {}): ThresholdResult[] {
  const out: ThresholdResult[] = []
  for (const [spec, expressions] of Object.entries(thresholds)) {
    const { name, tags } = parseMetric(spec)
    for (const expression of expressions) {
      const m = EXPRESSION.exec(expression)
      if (!m) throw new ThresholdSyntaxError(`not a threshold expression: ${expression}`)
      const agg = m[1].startsWith('p(') ? 'p' : m[1]
      const value = aggregate(name, agg, m[2] === undefined ? undefined : Number(m[2]), data, { ...tags, ...extra })
      out.push({ metric: spec, expression, value, ok: compare(value, m[3], Number(m[4])) })
    }
  }
  return out
}
