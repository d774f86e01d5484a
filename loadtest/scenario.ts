/** What a scenario is and what it hands back to the runner. */

export interface BenchOptions {
  /** A short smoke run: smaller counts and time caps, same code paths. */
  quick: boolean
}

/** One printed table: column names in order, rows keyed by them. */
export interface Table {
  title: string
  columns: string[]
  rows: Array<Record<string, string>>
}

export interface ScenarioResult {
  tables: Table[]
  /** One-line findings for the summary at the end of the run (ratios first). */
  summary: string[]
  /** How to read the numbers: methods and caveats, printed under the tables. */
  notes: string[]
  /** Raw numbers for loadtest/results/latest.json. */
  data: Record<string, unknown>
}

export interface Scenario {
  name: string
  description: string
  run(opts: BenchOptions): Promise<ScenarioResult>
}

/** Budgets that bound a loop both ways: it stops at whichever comes first. */
export interface Bound {
  count: number
  maxMs: number
}

export const scale = (opts: BenchOptions, full: Bound, quick: Bound): Bound => (opts.quick ? quick : full)
