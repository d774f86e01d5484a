/**
 * The seams, checked on the source text: domains never import the gateway's internals, and nothing
 * under src/ but the composition root imports a domain. A new domain that copies a wrong import
 * fails here, not in review.
 */
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return tsFiles(path)
    return name.endsWith('.ts') ? [path] : []
  })
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(IMPORT_RE)].map((m) => m[1] ?? m[2]).filter((s) => s.startsWith('.'))
}

const resolved = (file: string, spec: string) => relative(ROOT, join(file, '..', spec))

t.test('no file under plugins/ imports from src/gateway/', async (t) => {
  const offenders = tsFiles(join(ROOT, 'plugins')).flatMap((f) => importsOf(f).filter((s) => resolved(f, s).startsWith('src/gateway/')).map((s) => `${relative(ROOT, f)} -> ${s}`))
  t.ok(tsFiles(join(ROOT, 'plugins')).length > 50, 'the scan sees the domains')
  t.same(offenders, [])
})

t.test('nothing under src/ imports a domain, except the composition root', async (t) => {
  const offenders = tsFiles(join(ROOT, 'src'))
    .filter((f) => relative(ROOT, f) !== 'src/app.ts')
    .flatMap((f) => importsOf(f).filter((s) => resolved(f, s).startsWith('plugins/')).map((s) => `${relative(ROOT, f)} -> ${s}`))
  t.same(offenders, [])
  t.ok(importsOf(join(ROOT, 'src/app.ts')).some((s) => s.startsWith('../plugins/')), 'the root does import them')
})

t.test('src/contracts imports neither the gateway nor a domain', async (t) => {
  const offenders = tsFiles(join(ROOT, 'src/contracts')).flatMap((f) =>
    importsOf(f)
      .filter((s) => /^(src\/gateway|plugins)\//.test(resolved(f, s)))
      .map((s) => `${relative(ROOT, f)} -> ${s}`),
  )
  t.same(offenders, [])
})

t.test('domains do not import each other', async (t) => {
  const domains = readdirSync(join(ROOT, 'plugins')).filter((d) => statSync(join(ROOT, 'plugins', d)).isDirectory())
  const offenders: string[] = []
  for (const d of domains) {
    for (const f of tsFiles(join(ROOT, 'plugins', d))) {
      for (const s of importsOf(f)) {
        const target = resolved(f, s)
        const other = domains.find((o) => o !== d && target.startsWith(`plugins/${o}/`))
        if (other) offenders.push(`${relative(ROOT, f)} -> ${s}`)
      }
    }
  }
  t.same(offenders, [])
})
