/**
 * A small Prometheus registry (counters, gauges and histograms with labels) rendered in the text
 * exposition format at /metrics. Kept in-house because it is ~100 lines and every metric carries
 * the datacenter label, which the scraper needs to tell the two active processes apart.
 */
type Labels = Record<string, string>

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`)
  return parts.length ? `{${parts.join(',')}}` : ''
}

interface Metric {
  render(): string
}

export interface Counter {
  inc(labels?: Labels, by?: number): void
}
export interface Gauge {
  set(labels: Labels, value: number): void
}
export interface Histogram {
  observe(labels: Labels, value: number): void
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter
  gauge(name: string, help: string, collect?: () => Array<[Labels, number]>): Gauge
  histogram(name: string, help: string, buckets?: number[]): Histogram
  render(): string
}

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export function createMetricsRegistry(constLabels: Labels = {}): MetricsRegistry {
  const metrics: Metric[] = []
  const withConst = (labels: Labels = {}) => ({ ...constLabels, ...labels })

  return {
    counter(name, help) {
      const values = new Map<string, number>()
      metrics.push({
        render: () => [`# HELP ${name} ${help}`, `# TYPE ${name} counter`, ...[...values].map(([l, v]) => `${name}${l} ${v}`)].join('\n'),
      })
      return { inc: (labels, by = 1) => { const k = labelText(withConst(labels)); values.set(k, (values.get(k) ?? 0) + by) } }
    },
    gauge(name, help, collect) {
      const values = new Map<string, number>()
      metrics.push({
        render: () => {
          if (collect) for (const [l, v] of collect()) values.set(labelText(withConst(l)), v)
          return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...[...values].map(([l, v]) => `${name}${l} ${v}`)].join('\n')
        },
      })
      return { set: (labels, value) => values.set(labelText(withConst(labels)), value) }
    },
    histogram(name, help, buckets = DEFAULT_BUCKETS) {
      const series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>()
      metrics.push({
        render: () => {
          const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`]
          for (const s of series.values()) {
            buckets.forEach((b, i) => lines.push(`${name}_bucket${labelText({ ...s.labels, le: String(b) })} ${s.counts[i]}`))
            lines.push(`${name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`)
            lines.push(`${name}_sum${labelText(s.labels)} ${s.sum}`, `${name}_count${labelText(s.labels)} ${s.count}`)
          }
          return lines.join('\n')
        },
      })
      return {
        observe(labels, value) {
          const all = withConst(labels)
          const k = labelText(all)
          let s = series.get(k)
          if (!s) series.set(k, (s = { labels: all, counts: buckets.map(() => 0), sum: 0, count: 0 }))
          buckets.forEach((b, i) => { if (value <= b) s!.counts[i]++ })
          s.sum += value
          s.count++
        },
      }
    },
    render: () => metrics.map((m) => m.render()).join('\n\n') + '\n',
  }
}
