/**
 * The `/.manifest` file: revision, the roots the bundle owns, and free-form metadata. An absent
 * manifest, or absent roots, means the bundle owns all of `data` (root ''), as in OPA.
 */
import { BundleError } from './errors.ts'
import { canonicalJson, isPlainObject } from './data-tree.ts'
import { rootTrie } from './roots.ts'

export interface Manifest {
  revision: string
  /** Slash-separated paths under `data`; '' is the whole tree. Never empty after parsing. */
  roots: string[]
  /** OPA's `rego_version` (0 or 1) when the manifest states one; callers running only v1 may refuse 0. */
  regoVersion?: 0 | 1
  metadata?: Record<string, unknown>
}

export const DEFAULT_MANIFEST: Manifest = { revision: '', roots: [''] }

const invalid = (message: string) => new BundleError('BUNDLE_INVALID_MANIFEST', `.manifest: ${message}`)

export function parseManifest(raw: Buffer): Manifest {
  let json: unknown
  try {
    json = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    throw invalid(`not valid JSON (${(err as Error).message}); write it as a JSON object like {"revision":"...","roots":["..."]}`)
  }
  if (!isPlainObject(json)) throw invalid('must be a JSON object like {"revision":"...","roots":["..."]}')
  return validateManifest(json)
}

/** Shared by the reader and the writer so a written bundle always passes the reader's checks. */
export function validateManifest(m: Record<string, unknown>): Manifest {
  const { revision = '', roots, metadata, rego_version: regoVersion, wasm } = m
  if (typeof revision !== 'string') throw invalid('"revision" must be a string')
  if (roots !== undefined && (!Array.isArray(roots) || !roots.every((r) => typeof r === 'string'))) {
    throw invalid('"roots" must be an array of strings such as ["authz", "data/users"]')
  }
  if (metadata !== undefined && !isPlainObject(metadata)) throw invalid('"metadata" must be a JSON object')
  if (regoVersion !== undefined && regoVersion !== 0 && regoVersion !== 1) throw invalid('"rego_version" must be 0 or 1')
  if (Array.isArray(wasm) && wasm.length > 0) {
    throw new BundleError('BUNDLE_UNSUPPORTED', '.manifest declares "wasm" modules; Wasm bundles are not supported, build the bundle without --target wasm')
  }
  const normalised = roots === undefined ? [''] : (roots as string[]).map((r) => r.replace(/^\/+|\/+$/g, ''))
  if (normalised.length === 0) throw invalid('"roots" is empty, so the bundle could own nothing; omit it or list at least one root')
  checkDisjoint(normalised)
  return {
    revision,
    roots: normalised,
    ...(regoVersion !== undefined ? { regoVersion } : {}),
    ...(metadata !== undefined ? { metadata: metadata as Record<string, unknown> } : {}),
  }
}

/** Overlapping roots would make ownership of the shared subtree ambiguous; OPA refuses them too. */
function checkDisjoint(roots: string[]): void {
  rootTrie(roots, (a, b) => {
    throw invalid(`roots '${a}' and '${b}' overlap; list each subtree once`)
  })
}

/** Serialised with sorted keys, metadata included: part of the deterministic bundle bytes. */
export function manifestJson(m: Manifest): string {
  return canonicalJson({
    revision: m.revision,
    roots: m.roots,
    ...(m.regoVersion !== undefined ? { rego_version: m.regoVersion } : {}),
    ...(m.metadata !== undefined ? { metadata: m.metadata } : {}),
  })
}
