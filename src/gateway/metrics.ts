/**
 * The process's Prometheus metrics on prom-client, behind the `Metrics` contract. One `Registry` per
 * app, never prom-client's global one: tests build many apps in one process, and two apps sharing
 * a registry would either collide on metric names or mix their counts. The `dc` label is a
 * registry default label, so it is added when rendering and costs nothing per observation.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Labels, Metrics } from '../contracts/metrics.ts'

export interface MetricsRegistry extends Metrics {
  /** The text exposition format, for GET /metrics. */
  render(): Promise<string>
  readonly contentType: string
}

/** From 1 ms: most requests and decisions finish well under prom-client's smallest default (5 ms). */
const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * prom-client needs the label names when a metric is created; a caller that did not declare them
 * gets the metric created on its first observation, with that observation's label names.
 */
function onFirstUse<M>(labelNames: readonly string[] | undefined, make: (labelNames: string[]) => M): (labels: Labels | undefined) => M {
  let metric = labelNames ? make([...labelNames]) : undefined
  return (labels) => (metric ??= make(Object.keys(labels ?? {})))
}

export function createMetricsRegistry(opts: { dc: string }): MetricsRegistry {
  const registry = new Registry()
  registry.setDefaultLabels({ dc: opts.dc })
  // Node process and runtime metrics: CPU, memory, heap spaces, event-loop lag, GC, handles, version.
  collectDefaultMetrics({ register: registry })
  const registers = [registry]

  return {
    counter(name, help, labelNames) {
      const metric = onFirstUse(labelNames, (names) => new Counter({ name, help, labelNames: names, registers }))
      return { inc: (labels, by = 1) => metric(labels).inc(labels ?? {}, by) }
    },
    gauge(name, help, labelNames, gaugeOpts) {
      const collect = gaugeOpts?.collect
      const metric = onFirstUse(collect ? [] : labelNames, (names) =>
        new Gauge({ name, help, labelNames: names, registers, ...(collect ? { collect(this: Gauge) { this.set(collect()) } } : {}) }),
      )
      return { set: (labels, value) => metric(labels).set(labels, value) }
    },
    histogram(name, help, labelNames, buckets = DEFAULT_BUCKETS) {
      const metric = onFirstUse(labelNames, (names) => new Histogram({ name, help, labelNames: names, buckets, registers }))
      return { observe: (labels, value) => metric(labels).observe(labels, value) }
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  }
}
