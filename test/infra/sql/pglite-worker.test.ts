/**
 * What running PGlite in a worker thread must keep true beyond the SQL contract: a statement never
 * holds the event loop, database errors keep their fields, and an open database that has nothing to
 * do does not keep a process alive (CLI tools and tests that end without closing it still exit).
 */
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { ROOT } from '../../helpers/process.ts'

t.test('the event loop keeps turning while a statement runs', async (t) => {
  const db = await createPgliteDatabase()
  t.teardown(() => db.close())
  let turns = 0
  let running = true
  const tick = () => {
    turns++
    if (running) setTimeout(tick, 5)
  }
  setTimeout(tick, 5)
  await db.query('SELECT pg_sleep(0.4)')
  running = false
  // In-process PGlite blocks the thread for the whole statement: no timer could fire before it ends.
  t.ok(turns >= 5, `timers fired during the statement (${turns})`)
})

t.test('database errors keep their SQLSTATE and detail', async (t) => {
  const db = await createPgliteDatabase()
  t.teardown(() => db.close())
  await db.exec('CREATE TABLE w (id int PRIMARY KEY)')
  await db.query('INSERT INTO w VALUES (1)')
  const err = await db.query('INSERT INTO w VALUES (1)').catch((e: unknown) => e)
  t.ok(err instanceof Error)
  t.match(err, { code: '23505', constraint: 'w_pkey', detail: /Key \(id\)=\(1\) already exists/ })
})

t.test('a parameter that cannot cross to the worker rejects that call only', async (t) => {
  const db = await createPgliteDatabase()
  t.teardown(() => db.close())
  await t.rejects(db.query('SELECT $1::text AS v', [() => 'a function']), { name: 'DataCloneError' })
  t.same((await db.query('SELECT $1::text AS v', ['fine'])).rows, [{ v: 'fine' }], 'the next call is answered')
})

t.test('calls after close fail; close twice is fine', async (t) => {
  const db = await createPgliteDatabase()
  await db.close()
  await t.resolves(db.close())
  await t.rejects(db.query('SELECT 1'), { code: 'SQL_UNAVAILABLE' })
})

t.test('an idle open database does not keep the process alive', async (t) => {
  const script = `
    const { createPgliteDatabase } = await import('./src/infra/sql/pglite.ts')
    const db = await createPgliteDatabase()
    const r = await db.query('SELECT 41 + 1 AS answer')
    console.log('answer', r.rows[0].answer)
    // A call refused before it was sent must not count as outstanding either.
    await db.query('SELECT $1::text', [() => 1]).catch(() => {})
  `
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
  t.equal(run.signal, null, 'exited by itself, not killed at the timeout')
  t.equal(run.status, 0, run.stderr)
  t.match(run.stdout, /answer 42/, 'the pending query kept it alive until answered')
})
