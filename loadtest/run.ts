/**
 * `npm run bench [-- --quick] [-- <scenario>...]`: runs the benchmark scenarios one after another
 * in this process (the HTTP one also starts a child server process), prints a table per scenario
 * and a summary, and writes everything to loadtest/results/latest.json (plus a markdown copy).
 *
 * Re-executes itself with --expose-gc when needed, so allocation figures can force collections.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { cmsPropagation, cmsRead, cmsWatchers } from './cms-scenarios.ts'
import { httpEmbedded, httpPostgres } from './http-scenarios.ts'
import { llmProxy } from './llm-scenarios.ts'
import { regoAuthz } from './rego-authz.ts'
import { regoHostile } from './rego-hostile.ts'
import { regoRbac } from './rego-rbac.ts'
import { regoScaling } from './rego-scaling.ts'
import { ragVectors } from './rag-vectors.ts'
import { markdownTable, renderTable } from './report.ts'
import type { Scenario, ScenarioResult } from './scenario.ts'

const SCENARIOS: Scenario[] = [regoRbac, regoAuthz, regoScaling, regoHostile, httpEmbedded, httpPostgres, cmsRead, cmsPropagation, cmsWatchers, llmProxy, ragVectors]
const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url))
const REEXEC_MARK = 'DYAD_BENCH_CHILD'

const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm run bench [-- [--quick] [scenario...]]\nscenarios:\n${SCENARIOS.map((s) => `  ${s.name.padEnd(14)} ${s.description}`).join('\n')}`)
  process.exit(0)
}

if (typeof (globalThis as { gc?: unknown }).gc !== 'function' && !process.env[REEXEC_MARK]) {
  const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), ...args], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_MARK]: '1' },
  })
  process.exit(r.status ?? 1)
}

const quick = args.includes('--quick')
const filters = args.filter((a) => !a.startsWith('--'))
const unknown = filters.filter((f) => !SCENARIOS.some((s) => s.name === f))
if (unknown.length) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`)
  process.exit(2)
}
const selected = filters.length ? SCENARIOS.filter((s) => filters.includes(s.name)) : SCENARIOS
const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`

const machine = {
  node: process.version,
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadavgAtStart: loadavg().map((x) => Number(x.toFixed(2))),
}
const startedAt = new Date()
console.log(`${command}   (${startedAt.toISOString()})`)
console.log(`node ${machine.node}, ${machine.cpus} cpus (${machine.cpuModel}), load average ${machine.loadavgAtStart.join(' ')}; gc exposed: ${typeof (globalThis as { gc?: unknown }).gc === 'function'}`)
console.log('Numbers are indicative on a shared, noisy machine; the ratios, measured side by side in this run, are the point.\n')

const results: Array<{ name: string; seconds: number } & ({ ok: true; result: ScenarioResult } | { ok: false; error: string })> = []
for (const s of selected) {
  console.log(`== ${s.name}: ${s.description}${quick ? ' (quick)' : ''}`)
  const t0 = process.hrtime.bigint()
  try {
    const result = await s.run({ quick })
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    for (const t of result.tables) console.log(`\n${renderTable(t)}`)
    if (result.notes.length) console.log(`\n${result.notes.map((n) => `  note: ${n}`).join('\n')}`)
    console.log(`  (${seconds.toFixed(1)} s)\n`)
    results.push({ name: s.name, seconds, ok: true, result })
  } catch (e) {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e)
    console.error(`  FAILED: ${error}\n`)
    results.push({ name: s.name, seconds, ok: false, error })
  }
}

const totalSeconds = (Date.now() - startedAt.getTime()) / 1000
console.log('== summary')
for (const r of results) {
  if (r.ok) for (const line of r.result.summary) console.log(`  ${line}`)
  else console.log(`  ${r.name}: FAILED (see above)`)
}
console.log(`  total ${totalSeconds.toFixed(0)} s; load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)

mkdirSync(RESULTS_DIR, { recursive: true })
const finishedAt = new Date().toISOString()
writeFileSync(
  `${RESULTS_DIR}latest.json`,
  JSON.stringify({ command, quick, startedAt: startedAt.toISOString(), finishedAt, totalSeconds, machine: { ...machine, loadavgAtEnd: loadavg() }, scenarios: results }, null, 2) + '\n',
)
const md = results.flatMap((r) => (r.ok ? r.result.tables.map((t) => `**${t.title}**\n\n${markdownTable(t)}\n`) : [`**${r.name}: FAILED**\n`]))
writeFileSync(`${RESULTS_DIR}latest.md`, `Command: \`${command}\` (${startedAt.toISOString()}), node ${machine.node}, ${machine.cpus} cpus\n\n${md.join('\n')}`)
console.log(`  results: loadtest/results/latest.json, loadtest/results/latest.md`)
process.exit(results.every((r) => r.ok) ? 0 : 1)
