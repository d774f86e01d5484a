/**
 * The embedded data-directory lock, in one process: who counts as a live owner (pid, start time,
 * boot id), takeover of stale locks, and release. Two real server processes are in
 * test/server/data-dir-lock.test.ts.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DataDirLockedError, lockDataDir } from '../../../src/infra/sql/data-dir-lock.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'

const linux = existsSync('/proc/self/stat')
const bootId = linux ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : null
const startTicksOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
}
const record = (path: string) => JSON.parse(readFileSync(path, 'utf8'))

/** A process that runs until the test ends, and its pid. */
function liveProcess(t: Test): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' })
  t.teardown(() => child.kill('SIGKILL'))
  return child.pid!
}

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' })
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid!
}

t.test('the lock names its owner, refuses a second taker, and is released', async (t) => {
  const dir = join(t.testdir(), 'pglite')
  const lock = lockDataDir(dir)
  t.equal(lock.path, `${dir}.lock`)
  t.equal(record(lock.path).pid, process.pid)
  t.throws(() => lockDataDir(dir), new DataDirLockedError(dir, `${dir}.lock`, process.pid), 'held by a live process')
  lock.release()
  t.notOk(existsSync(`${dir}.lock`), 'release removes the file')
  lockDataDir(dir).release()
})

t.test('a lock left by a process that has exited is taken over', async (t) => {
  const dir = join(t.testdir(), 'pglite')
  writeFileSync(`${dir}.lock`, JSON.stringify({ pid: await deadPid(), startTicks: '1', bootId }))
  const lock = lockDataDir(dir)
  t.equal(record(lock.path).pid, process.pid)
  lock.release()
})

t.test('unreadable lock content is taken over', async (t) => {
  const dir = join(t.testdir(), 'pglite')
  writeFileSync(`${dir}.lock`, '')
  const lock = lockDataDir(dir)
  t.equal(record(lock.path).pid, process.pid)
  lock.release()
})

t.test('a live owner is recognised by pid and start time', { skip: !linux && 'needs /proc' }, async (t) => {
  const dir = join(t.testdir(), 'pglite')
  const pid = liveProcess(t)
  writeFileSync(`${dir}.lock`, JSON.stringify({ pid, startTicks: startTicksOf(pid), bootId }))
  t.throws(() => lockDataDir(dir), { code: 'SQL_DATA_DIR_LOCKED', message: new RegExp(`pid ${pid}\\b`) })
  t.equal(record(`${dir}.lock`).pid, pid, 'the owner keeps its lock')
})

t.test('a reused pid (live, but started at another time) does not hold the lock', { skip: !linux && 'needs /proc' }, async (t) => {
  const dir = join(t.testdir(), 'pglite')
  const pid = liveProcess(t)
  writeFileSync(`${dir}.lock`, JSON.stringify({ pid, startTicks: String(Number(startTicksOf(pid)) - 1), bootId }))
  const lock = lockDataDir(dir)
  t.equal(record(lock.path).pid, process.pid)
  lock.release()
})

t.test('a lock written before a reboot is stale even if its pid is alive again', { skip: !linux && 'needs /proc' }, async (t) => {
  const dir = join(t.testdir(), 'pglite')
  const pid = liveProcess(t)
  writeFileSync(`${dir}.lock`, JSON.stringify({ pid, startTicks: startTicksOf(pid), bootId: 'another-boot' }))
  const lock = lockDataDir(dir)
  t.equal(record(lock.path).pid, process.pid)
  lock.release()
})

t.test('release leaves a lock that is no longer ours alone', async (t) => {
  const dir = join(t.testdir(), 'pglite')
  const lock = lockDataDir(dir)
  const other = JSON.stringify({ pid: 1, startTicks: null, bootId: null })
  writeFileSync(lock.path, other)
  lock.release()
  t.equal(readFileSync(`${dir}.lock`, 'utf8'), other)
})

t.test('the PGlite adapter holds the lock while open and releases it on close', async (t) => {
  const dir = join(t.testdir(), 'pglite')
  const db = await createPgliteDatabase({ dataDir: dir })
  t.equal(record(`${dir}.lock`).pid, process.pid)
  await t.rejects(createPgliteDatabase({ dataDir: dir }), { code: 'SQL_DATA_DIR_LOCKED' }, 'a second open is refused')
  await db.close()
  t.notOk(existsSync(`${dir}.lock`))
  const again = await createPgliteDatabase({ dataDir: dir })
  t.same((await again.query<{ n: number }>('SELECT 1 AS n')).rows, [{ n: 1 }], 'reopens after close')
  await again.close()
})
