/**
 * OPA conformance runner: `npm run conformance -- <dir> [--filter s] [--json] [--check-floor] [--verbose]`.
 * Prints pass/total per folder, a total, and `SUITE opa-conformance: N passed, N failed` for CI.
 * Cases named in skip.json are not run and count as failed; --check-floor exits non-zero when
 * passes drop below floor.json for the directory's basename (e.g. "v1").
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'
import { judge, type Case } from './judge.ts'

const here = dirname(fileURLToPath(import.meta.url))

interface Args { dir: string; filter?: string; json: boolean; checkFloor: boolean; verbose: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { dir: '', json: false, checkFloor: false, verbose: false }
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]
    if (x === '--json') a.json = true
    else if (x === '--check-floor') a.checkFloor = true
    else if (x === '--verbose' || x === '-v') a.verbose = true
    else if (x === '--filter') a.filter = argv[++i]
    else a.dir = x
  }
  if (!a.dir) throw new Error('usage: run.ts <dir> [--filter s] [--json] [--check-floor] [--verbose]')
  return a
}

function yamlFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p))
    else if (/\.ya?ml$/.test(name)) out.push(p)
  }
  return out
}

function main(): void {
  const args = parseArgs(process.argv.slice(2))
  const skip = JSON.parse(readFileSync(join(here, 'skip.json'), 'utf8')) as Record<string, string>
  const floors = JSON.parse(readFileSync(join(here, 'floor.json'), 'utf8')) as Record<string, number>
  const folders = new Map<string, { pass: number; total: number }>()
  const failures: Array<{ note: string; file: string; reason: string }> = []
  let passed = 0
  let failed = 0
  for (const file of yamlFiles(args.dir)) {
    const rel = relative(args.dir, file)
    const folder = rel.includes('/') ? rel.split('/')[0] : '.'
    const doc = YAML.parse(readFileSync(file, 'utf8'), { intAsBigInt: true }) as { cases?: Case[] }
    for (const c of doc.cases ?? []) {
      if (args.filter && !c.note.includes(args.filter) && !rel.includes(args.filter)) continue
      const f = folders.get(folder) ?? { pass: 0, total: 0 }
      folders.set(folder, f)
      f.total++
      const skipped = skip[c.note]
      const v = skipped !== undefined ? { pass: false, reason: `skipped: ${skipped}` } : judge(c)
      if (v.pass) {
        f.pass++
        passed++
      } else {
        failed++
        failures.push({ note: c.note, file: rel, reason: v.reason ?? '' })
      }
    }
  }
  const floor = floors[basename(args.dir.replace(/\/+$/, ''))]
  if (args.json) {
    console.log(JSON.stringify({ passed, failed, total: passed + failed, floor, folders: Object.fromEntries(folders), failures }, null, 2))
  } else {
    for (const [name, f] of [...folders].sort()) console.log(`${name.padEnd(40)} ${f.pass}/${f.total}`)
    if (args.verbose) for (const x of failures) console.log(`FAIL ${x.note} (${x.file})\n      ${x.reason}`)
    console.log(`TOTAL ${passed}/${passed + failed}`)
  }
  // With --json, stdout stays pure JSON and the CI summary line goes to stderr.
  ;(args.json ? console.error : console.log)(`SUITE opa-conformance: ${passed} passed, ${failed} failed`)
  if (args.checkFloor && floor !== undefined && passed < floor) {
    console.error(`below floor: ${passed} < ${floor}`)
    process.exitCode = 1
  }
}

main()
