import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { MIGRATIONS_DIR } from '../../src/infra/sql/migrate.ts'

t.test('npm run migrate applies every migration once, then none', async (t) => {
  const env = { ...process.env, DYAD_DATA_DIR: t.testdir() }
  const run = () => execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], { env, encoding: 'utf8' })
  const count = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length
  t.match(run(), new RegExp(`^${count} applied, 0 already applied$`, 'm'))
  t.match(run(), new RegExp(`^0 applied, ${count} already applied$`, 'm'))
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], { env: { ...env, DYAD_SQL: 'postgres' }, encoding: 'utf8', stdio: 'pipe' })
    t.fail('expected a configuration error')
  } catch (err) {
    t.equal((err as { status: number }).status, 2)
    t.match(String((err as { stderr: string }).stderr), /DYAD_POSTGRES_URL/)
  }
})
