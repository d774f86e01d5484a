/**
 * Builds a complete Dyad app for a test, in the embedded profile (PGlite on disk in a fresh directory
 * of its own, local secrets), and closes it and removes the directory on teardown. Not
 * `t.testdir()`: a second call of that in the same test (another app, or a fixture the test wants)
 * empties the directory under the running app. Opening a fresh PGlite runs initdb (several
 * seconds), so the first call per machine prepares a migrated template database and later calls
 * copy it.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import { buildApp, type DyadApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { createPgliteDatabase } from '../../src/infra/sql/pglite.ts'
import { migrate, MIGRATIONS_DIR } from '../../src/infra/sql/migrate.ts'
import { createPgBossQueue } from '../../src/infra/jobs/pg-boss.ts'

export const ADMIN_KEY = 'dyad_admin0000000001_' + 'A'.repeat(43)
export const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long'

// Keyed by the migrations' content (and the job queue's version), so editing a migration never reuses a stale template.
const migrationsHash = createHash('sha256')
for (const f of readdirSync(MIGRATIONS_DIR).sort()) migrationsHash.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)))
migrationsHash.update(JSON.parse(readFileSync(new URL('../../node_modules/pg-boss/package.json', import.meta.url), 'utf8')).version)
const TEMPLATE = join(tmpdir(), `dyad-pglite-template-${migrationsHash.digest('hex').slice(0, 12)}`)

/** A migrated PGlite directory to copy (made once per machine and migrations content). */
export async function pgliteTemplate(): Promise<string> {
  if (existsSync(join(TEMPLATE, 'PG_VERSION'))) return TEMPLATE
  const staging = `${TEMPLATE}.${randomBytes(4).toString('hex')}`
  const db = await createPgliteDatabase({ dataDir: staging })
  await migrate(db)
  // The job queue's schema too (pg-boss migrates it on start; seconds on PGlite, once here).
  const jobs = createPgBossQueue({ sql: db })
  await jobs.start()
  await jobs.stop()
  await db.close()
  try {
    renameSync(staging, TEMPLATE)
  } catch {
    rmSync(staging, { recursive: true, force: true }) // another test file won the race
  }
  return TEMPLATE
}

/** `logLines`: collect the app's log (every level) as JSON lines, for tests of what logs must not hold. */
export async function buildTestApp(t: Test, env: Record<string, string> = {}, opts: { logLines?: string[] } = {}): Promise<DyadApp & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dyad-test-app-'))
  cpSync(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true })
  const config = loadConfig({
    DYAD_DATA_DIR: dataDir,
    DYAD_LOG_LEVEL: 'silent',
    DYAD_JWT_SECRET: JWT_SECRET,
    DYAD_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
    DYAD_DC: 'dc-test',
    ...env,
  })
  const lines = opts.logLines
  const logger = lines ? { level: 'trace', stream: { write: (line: string) => void lines.push(line) } } : env.DYAD_LOG_LEVEL ? undefined : false
  const dyad = await buildApp({ config, logger })
  t.teardown(async () => {
    await dyad.app.close()
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 })
  })
  return { ...dyad, dataDir }
}

/** Headers for a credential. */
export const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` })
