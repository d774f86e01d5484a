/** Shared fixtures for the bundle tests: error capture and a driver for the system's GNU tar. */
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { BundleError } from '../../../../plugins/policy/bundle/errors.ts'

/** The BundleError thrown or rejected by `fn`; fails loudly if it succeeds or fails with anything else. */
export async function bundleErrorOf(fn: () => unknown): Promise<BundleError> {
  try {
    await fn()
  } catch (err) {
    if (err instanceof BundleError) return err
    throw new Error(`expected a BundleError, got ${String(err)}`, { cause: err })
  }
  throw new Error('expected a BundleError, but the call succeeded')
}

/** Writes `files` (relative path → content) under `root`, creating directories. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
}

/** GNU tar, the independent implementation the reader and writer are checked against. */
export const hasGnuTar = spawnSync('tar', ['--version'], { encoding: 'utf8' }).stdout?.includes('GNU tar') ?? false

export function tar(args: string[], cwd?: string): string {
  const r = spawnSync('tar', args, { cwd, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`tar ${args.join(' ')} failed: ${r.stderr}`)
  return r.stdout
}

/** A 130-character directory name: more than USTAR's 100-byte name field, less than a file system's 255. */
export const LONG_SEGMENT = 'long-directory-name-'.padEnd(130, 'x')
