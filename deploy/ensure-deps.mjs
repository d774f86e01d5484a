// Runs before `npm start` and the test command: installs the locked dependencies when they are
// missing or older than package-lock.json, so a fresh clone needs no manual `npm install`.
//
// Plain JavaScript that runs on any Node: on a fresh machine this runs on the system Node (20 on
// our CI), because the Node 24 that every npm script uses (the `node` dependency, linked as
// node_modules/.bin/node) is what this script installs.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { execSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const marker = `${root}node_modules/.package-lock.json`
const lockFile = `${root}package-lock.json`
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lockFile).mtimeMs
if (stale) {
  // npm checks every package's `engines` against the Node that runs npm, and warns (EBADENGINE)
  // for this project and for the packages that need Node >= 22. So npm ci must itself run on the
  // locked Node 24: `npm exec --package node@<locked>` fetches that runtime into npm's cache and
  // puts it first on PATH for the one command; the inner `npm` then starts on it.
  const major = Number(process.versions.node.split('.')[0])
  const locked = JSON.parse(readFileSync(lockFile, 'utf8')).packages?.['node_modules/node']?.version
  const ci = 'npm ci --no-audit --no-fund'
  const command = major >= 24 || !locked ? ci : `npm exec --yes --package=node@${locked} -- ${ci}`
  console.error(`Installing dependencies (${command})...`)
  execSync(command, { cwd: root, stdio: 'inherit' })
}
