/**
 * The metrics contract every part of the process records through. The composition root builds one
 * implementation per app (src/gateway/metrics.ts, on prom-client) and hands it to the gateway and
 * to each domain, so a domain never imports the gateway to count something.
 *
 * Every series also carries the `dc` label, added by the implementation: the scraper needs it to
 * tell the two active processes apart. Callers never pass it.
 */
export type Labels = Record<string, string>

export interface Counter {
  inc(labels?: Labels, by?: number): void
}

export interface Gauge {
  set(labels: Labels, value: number): void
}

export interface Histogram {
  observe(labels: Labels, value: number): void
}

export interface GaugeOptions {
  /** Read at every scrape instead of being set: for values someone else already holds (a queue length). */
  collect?: () => number
}

export interface Metrics {
  /**
   * `labelNames` declares the labels every observation must use. When omitted, the names of the
   * first observation's labels are taken, and later observations must use the same names.
   */
  counter(name: string, help: string, labelNames?: readonly string[]): Counter
  gauge(name: string, help: string, labelNames?: readonly string[], opts?: GaugeOptions): Gauge
  /** Buckets in seconds (or whatever unit the name says); Prometheus' defaults when omitted. */
  histogram(name: string, help: string, labelNames?: readonly string[], buckets?: number[]): Histogram
}
