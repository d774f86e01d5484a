/**
 * The contract every SQL port adapter passes (src/infra/ports/sql.ts): parameterised queries with
 * the types the other adapters rely on, multi-statement exec, transactions that commit on resolve
 * and roll back on throw (also for errors raised by the database itself, at COMMIT too), isolation of an open
 * transaction from other work, and driver errors that keep Postgres' SQLSTATE code. Each adapter's
 * test calls `sqlContract(t, make)`; `make` returns a database where the suite may create tables.
 */
import type { Test } from 'tap'
import type { SqlDatabase } from '../../src/infra/ports/sql.ts'

export type MakeSqlDatabase = () => Promise<{ db: SqlDatabase; cleanup(): Promise<void> }>

export async function sqlContract(t: Test, make: MakeSqlDatabase): Promise<void> {
  const { db, cleanup } = await make()
  t.teardown(cleanup)
  await db.exec(`DROP TABLE IF EXISTS sql_contract; CREATE TABLE sql_contract (id int PRIMARY KEY, name text NOT NULL, doc jsonb, at timestamptz)`)

  await t.test('reports its dialect and answers ping', async (t) => {
    t.ok(db.dialect === 'postgres' || db.dialect === 'pglite')
    await t.resolves(db.ping())
  })

  await t.test('parameters, row counts and value types', async (t) => {
    const ins = await db.query('INSERT INTO sql_contract (id, name, doc, at) VALUES ($1, $2, $3::jsonb, $4) RETURNING id', [1, "o'brien; DROP TABLE x", JSON.stringify({ a: [1, 'two'] }), '2024-03-01T10:00:00.000Z'])
    t.equal(ins.rowCount, 1)
    const res = await db.query<{ id: number; name: string; doc: unknown; at: Date }>('SELECT * FROM sql_contract WHERE id = $1', [1])
    t.equal(res.rows.length, 1)
    t.equal(res.rows[0].name, "o'brien; DROP TABLE x", 'parameters are never spliced into the text')
    t.strictSame(res.rows[0].doc, { a: [1, 'two'] }, 'jsonb comes back parsed')
    t.ok(res.rows[0].at instanceof Date && res.rows[0].at.toISOString() === '2024-03-01T10:00:00.000Z', 'timestamptz comes back as a Date')
    const upd = await db.query('UPDATE sql_contract SET name = $1 WHERE id > $2', ['x', 100])
    t.equal(upd.rowCount, 0)
    t.equal(upd.rows.length, 0)
  })

  await t.test('exec runs several statements', async (t) => {
    await db.exec(`INSERT INTO sql_contract (id, name) VALUES (10, 'a'); INSERT INTO sql_contract (id, name) VALUES (11, 'b')`)
    t.equal((await db.query('SELECT id FROM sql_contract WHERE id IN (10, 11)')).rows.length, 2)
  })

  await t.test('transactions commit on resolve and roll back on throw', async (t) => {
    const out = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO sql_contract (id, name) VALUES ($1, $2)', [20, 'kept'])
      return 'done'
    })
    t.equal(out, 'done')
    await t.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO sql_contract (id, name) VALUES ($1, $2)', [21, 'dropped'])
        throw new Error('abort')
      }),
      { message: 'abort' },
    )
    await t.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO sql_contract (id, name) VALUES ($1, $2)', [22, 'dropped too'])
        await tx.query('INSERT INTO sql_contract (id, name) VALUES ($1, $2)', [20, 'duplicate'])
      }),
      { code: '23505' },
      'a database error keeps its SQLSTATE code',
    )
    const ids = (await db.query<{ id: number }>('SELECT id FROM sql_contract WHERE id BETWEEN 20 AND 29 ORDER BY id')).rows.map((r) => r.id)
    t.strictSame(ids, [20], 'only the committed row is there')
  })

  await t.test('a failure at COMMIT rejects the transaction and keeps nothing', async (t) => {
    // A deferred constraint is checked at COMMIT, after the callback resolved: the adapter must
    // report that failure, not the callback's result.
    await db.exec(`DROP TABLE IF EXISTS sql_contract_deferred; CREATE TABLE sql_contract_deferred (id int, UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)`)
    await t.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO sql_contract_deferred (id) VALUES (1), (1)')
        return 'resolved'
      }),
      { code: '23505' },
    )
    t.equal((await db.query('SELECT id FROM sql_contract_deferred')).rows.length, 0, 'nothing committed')
    t.equal(await db.transaction(async (tx) => (await tx.query('SELECT 1 AS one')).rows.length), 1, 'the next transaction runs')
  })

  await t.test('an open transaction is invisible to other work until it commits', async (t) => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let inserted!: () => void
    const insertedP = new Promise<void>((r) => (inserted = r))
    const tx = db.transaction(async (tx) => {
      await tx.query('INSERT INTO sql_contract (id, name) VALUES ($1, $2)', [30, 'pending'])
      inserted()
      await gate
    })
    await insertedP
    // PGlite has one connection: its transactions serialise, so the outside read waits for the
    // commit; a pool reads at once and must not see the row. Either way no one reads it early.
    const outside = db.query<{ id: number }>('SELECT id FROM sql_contract WHERE id = 30')
    const early = db.dialect === 'postgres' ? (await outside).rows.length : undefined
    release()
    await tx
    if (early !== undefined) t.equal(early, 0, 'not visible before commit')
    t.equal((await db.query('SELECT id FROM sql_contract WHERE id = 30')).rows.length, 1, 'visible after commit')
    if (early === undefined) t.equal((await outside).rows.length, 1, 'the waiting read sees the committed row')
  })

  await t.test('syntax errors reject with the SQLSTATE code', async (t) => {
    await t.rejects(db.query('SELEC 1'), { code: '42601' })
  })
}
