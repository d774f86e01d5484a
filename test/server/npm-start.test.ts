/**
 * `npm start` as a supervisor runs it: the supervisor knows only the pid it started (npm's), and
 * stops the service by signalling that pid. The signal must reach the server, which drains and
 * exits 0, and the server process itself must be gone afterwards, not only npm (an orphaned server
 * would keep serving and keep the data directory).
 */
import t from 'tap'
import { childrenOf, isRunning, procInfo, startNpmStart } from '../helpers/process.ts'

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${signal} to the npm start pid stops the server`, async (t) => {
    const npm = startNpmStart({ DYAD_DATA_DIR: t.testdir() })
    const address = await npm.ready
    const npmPid = npm.child.pid!

    const servers = childrenOf(npmPid).filter((pid) => procInfo(pid)?.cmdline.includes('src/server.ts'))
    t.equal(servers.length, 1, `one server process under npm (children: ${childrenOf(npmPid).map((p) => procInfo(p)?.cmdline).join(' | ')})`)
    const serverPid = servers[0]
    // Should the signal not reach it, do not leave an orphaned server running after the test.
    t.teardown(() => {
      if (serverPid && isRunning(serverPid)) process.kill(serverPid, 'SIGKILL')
    })
    t.equal((await fetch(`${address}/health/ready`)).status, 200)
    t.match(npm.output(), /Runtime: +Node\.js v24\./, 'npm start runs the server on Node 24')

    npm.child.kill(signal)
    t.same(await npm.exited, { code: 0, signal: null }, 'npm exits 0: the server drained and closed cleanly')
    t.notOk(isRunning(serverPid), `the server process (pid ${serverPid}) is gone`)
    await t.rejects(fetch(`${address}/health/live`), 'nothing listens on the address any more')
  })
}
