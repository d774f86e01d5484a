/**
 * `npm run load -- <scenario> --dc dc1=http://127.0.0.1:8080 --dc dc2=http://127.0.0.1:8081
 *  [--duration S] [--rate R] [--json FILE]` with DYAD_ADMIN_KEY set: plays a scenario of
 * loadtest/k6/scenarios.js against every DC given, prints a summary per DC, and exits 1 when a
 * threshold fails (2 on bad usage or a failed setup). The same scenarios run under k6 with
 * loadtest/k6/dyad.js.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { scenarios } from '../k6/scenarios.js'
import { formatReport, runLoad, type DcTarget } from './runner.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dc: { type: 'string', multiple: true },
    duration: { type: 'string' },
    rate: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})

const usage = `usage: npm run load -- <scenario> --dc dc1=<url> [--dc dc2=<url>] [--duration seconds] [--rate per-second-per-dc] [--json file]
  DYAD_ADMIN_KEY must hold a platform admin key (setup creates a throwaway project, teardown deletes it).
scenarios:
${Object.entries(scenarios).map(([n, s]) => `  ${n.padEnd(8)} ${s.rate}/s per DC for ${s.duration} s: ${s.description}`).join('\n')}`

if (values.help || positionals.length !== 1) {
  console.log(usage)
  process.exit(values.help ? 0 : 2)
}
const dcs: DcTarget[] = (values.dc ?? []).map((spec, n) => {
  const i = spec.indexOf('=')
  return i > 0 ? { dc: spec.slice(0, i), url: spec.slice(i + 1).replace(/\/$/, '') } : { dc: `dc${n + 1}`, url: spec.replace(/\/$/, '') }
})
const adminKey = process.env.DYAD_ADMIN_KEY
if (dcs.length === 0 || !adminKey) {
  console.error(dcs.length === 0 ? 'give at least one --dc name=url' : 'DYAD_ADMIN_KEY is not set')
  console.error(usage)
  process.exit(2)
}
try {
  const report = await runLoad({
    scenario: positionals[0],
    dcs,
    adminKey,
    duration: values.duration ? Number(values.duration) : undefined,
    rate: values.rate ? Number(values.rate) : undefined,
    progress: (line) => process.stderr.write(`${line}\n`),
  })
  console.log(formatReport(report))
  if (values.json) writeFileSync(values.json, JSON.stringify(report, null, 2))
  process.exit(report.ok ? 0 : 1)
} catch (err) {
  console.error(`load run failed: ${(err as Error).message}`)
  process.exit(2)
}
