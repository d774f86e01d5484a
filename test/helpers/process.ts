/** Runs `src/server.ts` as a real child process, for tests of start, shutdown and crash recovery. */
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { delimiter } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  output: () => string
  /** Resolves with the listening address, or rejects if the process exits or the wait times out. */
  ready: Promise<string>
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/**
 * The server on the Node that runs the tests (tap spawns test files with its own execPath, which
 * `npm run test:all` makes the project's Node 24).
 */
export function startServer(env: Record<string, string>, timeoutMs = 240_000): ServerProcess {
  return startProcessOn(process.execPath, env, timeoutMs)
}

/** The server on a given Node binary (the runtime-check test starts it on an older one). */
export function startProcessOn(node: string, env: Record<string, string>, timeoutMs = 240_000): ServerProcess {
  return startProcess(node, ['--import', 'tsx', 'src/server.ts'], env, timeoutMs)
}

/**
 * `npm start`, as a user or a supervisor runs it: on a PATH without node_modules/.bin, so the npm
 * that starts is the machine's and the Node 24 must come from npm's own script environment.
 */
export function startNpmStart(env: Record<string, string>, timeoutMs = 240_000): ServerProcess {
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.endsWith('node_modules/.bin'))
  return startProcess('npm', ['start'], { PATH: path.join(delimiter), ...env }, timeoutMs)
}

function startProcess(command: string, args: string[], env: Record<string, string>, timeoutMs: number): ServerProcess {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DYAD_HOST: '127.0.0.1', DYAD_PORT: '0', DYAD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs)
    const onData = () => {
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout!.on('data', onData)
    exited.then(({ code, signal }) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code ?? signal}) before listening:\n${out}`))
    })
  })
  ready.catch(() => {})
  return { child, output: () => out, ready, exited }
}

/** Linux /proc view of a process: its parent, state letter and command line; null once it is gone. */
export function procInfo(pid: number): { ppid: number; state: string; cmdline: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name (which may contain spaces): state, ppid, ...
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
    return { ppid: Number(ppid), state, cmdline }
  } catch {
    return null
  }
}

/** A process that has exited but was not reaped yet (a zombie) no longer runs: count it as gone. */
export function isRunning(pid: number): boolean {
  const info = procInfo(pid)
  return info !== null && info.state !== 'Z' && info.state !== 'X'
}

/** Pids whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((p) => procInfo(p)?.ppid === pid)
}
