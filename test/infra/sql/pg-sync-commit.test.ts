/**
 * The pg adapter against a Postgres of its own whose commits wait for a synchronous standby that
 * never comes (synchronous_standby_names = 'ghost'). Cancelling the waiting backend (an operator's
 * pg_cancel_backend, a client's cancel request) ends the wait, and Postgres then reports the commit
 * as done with only a WARNING. Dyad must not acknowledge such a
 * write. A stopped server must give SQL_UNAVAILABLE, not an untyped error.
 */
import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import t from 'tap'
import { SqlErrors } from '../../../src/infra/sql/errors.ts'
import { createPgDatabase } from '../../../src/infra/sql/pg.ts'

const PG_BIN = '/usr/lib/postgresql/15/bin'
const required = process.env.DYAD_TEST_REQUIRE_SERVERS === '1'

function asPostgres(args: string[]) {
  const argv = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...args] : args
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 60_000 })
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr || r.stdout}`)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    }).on('error', reject)
  })
}

if (!existsSync(`${PG_BIN}/initdb`)) {
  if (required) throw new Error('PostgreSQL 15 binaries missing; DYAD_TEST_REQUIRE_SERVERS=1 forbids skipping')
  t.plan(0, 'PostgreSQL 15 binaries not installed')
} else {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-syncrep-'))
  if (process.getuid?.() === 0) chownSync(dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout))
  const data = join(dir, 'data')
  const port = await freePort()
  asPostgres([`${PG_BIN}/initdb`, '-D', data, '-U', 'dyad', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--no-locale'])
  asPostgres([`${PG_BIN}/pg_ctl`, '-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c synchronous_standby_names=ghost -c lc_messages=C`, 'start'])
  let running = true
  const stop = () => {
    if (running) asPostgres([`${PG_BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop'])
    running = false
  }
  t.teardown(() => {
    stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const url = `postgres://dyad@127.0.0.1:${port}/postgres`

  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  t.teardown(() => admin.end().catch(() => {}))
  /** Waits (bounded) until a backend sits in the SyncRep wait, then cancels it. */
  async function cancelTheWait() {
    for (let i = 0; i < 200; i++) {
      const r = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep'")
      if (r.rows.length > 0) {
        for (const { pid } of r.rows) await admin.query('SELECT pg_cancel_backend($1)', [pid])
        return
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    throw new Error('no backend ever waited for the synchronous standby')
  }

  await t.test('the server really reports a cancelled synchronous wait as a successful commit', async (t) => {
    // The premise of the adapter's check: without it, a plain pg client sees success.
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    t.teardown(() => c.end())
    const notices: string[] = []
    c.on('notice', (n) => notices.push(n.message ?? ''))
    const write = c.query('CREATE TABLE premise (x int)')
    await cancelTheWait()
    await write
    t.match(notices.join('\n'), /canceling wait for synchronous replication/)
    t.equal((await c.query("SELECT to_regclass('premise') IS NOT NULL AS here")).rows[0].here, true, 'committed locally')
  })

  await t.test('the adapter refuses to acknowledge it, in autocommit and in a transaction', async (t) => {
    const db = createPgDatabase({ url, poolSize: 2 })
    t.teardown(() => db.close())
    // The expectation is attached before the wait is cancelled: the rejection can arrive while
    // cancelTheWait is still awaiting its own query, and an unhandled one would end the test.
    const auto = t.rejects(db.query('CREATE TABLE a (x int)'), { code: SqlErrors.commitUnconfirmed.code, statusCode: 503 })
    await cancelTheWait()
    await auto
    const tx = t.rejects(
      db.transaction(async (tx) => {
        await tx.query('CREATE TABLE b (x int)')
        await tx.query('INSERT INTO b VALUES (1)')
      }),
      { code: SqlErrors.commitUnconfirmed.code },
    )
    await cancelTheWait()
    await tx
    // Reads do not wait for the standby; a connection that saw the warning is still usable.
    for (let i = 0; i < 3; i++) t.strictSame((await db.query<{ one: number }>('SELECT 1 AS one')).rows, [{ one: 1 }])
  })

  await t.test('a session that does not wait for the standby is acknowledged', async (t) => {
    const db = createPgDatabase({ url: `${url}?options=-c%20synchronous_commit%3Dlocal` })
    t.teardown(() => db.close())
    await db.query('CREATE TABLE IF NOT EXISTS c (x int)')
    t.equal((await db.query('INSERT INTO c VALUES (1)')).rowCount, 1)
  })

  await t.test('a server that is gone is SQL_UNAVAILABLE', async (t) => {
    const db = createPgDatabase({ url, statementTimeoutMs: 300 })
    t.teardown(() => db.close())
    await db.ping()
    await admin.end()
    stop()
    await t.rejects(db.query('SELECT 1'), { code: SqlErrors.unavailable.code, statusCode: 503 })
    await t.rejects(db.ping(), { code: SqlErrors.unavailable.code })
  })
}
