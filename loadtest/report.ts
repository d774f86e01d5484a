/** Plain-text tables for the terminal: aligned columns, numbers right-aligned. */
import type { Table } from './scenario.ts'

const numeric = (s: string) => /^[~\d.,\-—]/.test(s) && !/[a-z]{3,}/i.test(s.replace(/µs|ms|ns|KiB|MiB|\/s|×|s$|B$/g, ''))

export function renderTable(t: Table): string {
  const widths = t.columns.map((c) => Math.max(c.length, ...t.rows.map((r) => (r[c] ?? '').length)))
  const cell = (s: string, i: number) => (numeric(s) ? s.padStart(widths[i]) : s.padEnd(widths[i]))
  const line = (cells: string[]) => `  ${cells.join('  ')}`.trimEnd()
  return [
    t.title,
    line(t.columns.map((c, i) => c.padEnd(widths[i]))),
    line(widths.map((w) => '-'.repeat(w))),
    ...t.rows.map((r) => line(t.columns.map((c, i) => cell(r[c] ?? '', i)))),
  ].join('\n')
}

/** The same table as GitHub markdown, for pasting into the README. */
export function markdownTable(t: Table): string {
  return [`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${t.columns.map((c) => r[c] ?? '').join(' | ')} |`)].join('\n')
}
