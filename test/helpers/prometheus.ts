/**
 * Reads one sample out of a Prometheus text exposition, matching labels as a set: Prometheus does
 * not order labels, and prom-client prints them in an order that depends on the metric type.
 */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m || m[1] !== name) continue
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]))
    const keys = Object.keys(got)
    if (keys.length === Object.keys(labels).length && keys.every((k) => got[k] === labels[k])) return Number(m[3])
  }
  return undefined
}
