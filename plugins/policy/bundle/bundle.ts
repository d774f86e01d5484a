/**
 * OPA bundles (`opa build` output, or what an OPA agent downloads from a bundle server): a gzipped
 * tar of `/.manifest`, `data.json`/`data.yaml` files mounted by directory, and `.rego` modules.
 * Independent of Fastify and of the Rego engine: the caller compiles `modules`.
 */
import { canonicalJson, isPlainObject, mountData } from './data-tree.ts'
import { DATA_FILE_NAMES, parseDataFile } from './data-file.ts'
import { BundleError } from './errors.ts'
import { gunzipCapped, gzipDeterministic } from './gzip.ts'
import { DEFAULT_MANIFEST, manifestJson, parseManifest, validateManifest, type Manifest } from './manifest.ts'
import { baseName, dirSegments, normalizeBundlePath } from './paths.ts'
import { checkDataRoots, checkModuleRoots } from './roots.ts'
import { signBundleFiles, SIGNATURES_FILE, verifyBundleSignature, type BundleFile, type BundleSigner, type VerificationConfig } from './signing.ts'
import { readTar, writeTar } from './tar.ts'

export type { Manifest } from './manifest.ts'

export interface BundleModule {
  /** Bundle-relative, without a leading '/': 'authz/allow.rego'. */
  path: string
  raw: string
}

export interface Bundle {
  manifest: Manifest
  /** Sorted by path. */
  modules: BundleModule[]
  data: Record<string, unknown>
  /**
   * Files the reader recognised but did not act on: '.signatures.json' when no verification config
   * was given (the signature was not checked), so a caller must not treat the bundle as verified.
   */
  unsupported: string[]
  /** Set when the signature was verified (a verification config was given). */
  verified?: { keyid: string }
}

export interface BundleLimits {
  /** Cap on the inflated tar size, in bytes. Default 64 MiB. */
  maxBytes?: number
  /** Cap on tar entries (files and directories). Default 10 000. */
  maxFiles?: number
  /** When given, the bundle must carry a valid `.signatures.json` covering every file. */
  verification?: VerificationConfig
}

const DEFAULT_BUNDLE_LIMITS = { maxBytes: 64 * 1024 * 1024, maxFiles: 10_000 } as const

export async function readBundle(gz: Buffer, limits: BundleLimits = {}): Promise<Bundle> {
  const maxBytes = limits.maxBytes ?? DEFAULT_BUNDLE_LIMITS.maxBytes
  const entries = await readTar(await gunzipCapped(gz, maxBytes), { maxBytes, maxEntries: limits.maxFiles ?? DEFAULT_BUNDLE_LIMITS.maxFiles })
  let manifest = DEFAULT_MANIFEST
  const modules: BundleModule[] = []
  const dataFiles: Array<{ path: string; raw: Buffer }> = []
  const unsupported: string[] = []
  const seen = new Set<string>()
  const files: BundleFile[] = []
  let signatures: Buffer | undefined

  for (const entry of entries) {
    const path = normalizeBundlePath(entry.name)
    if (entry.type === 'dir' || path === '') continue
    if (seen.has(path)) {
      throw new BundleError('BUNDLE_INVALID_PATH', `'${path}' appears twice in the archive; keep one copy so the content is unambiguous`)
    }
    seen.add(path)
    files.push({ path, data: entry.data })
    const base = baseName(path)
    if (path === '.manifest') manifest = parseManifest(entry.data)
    else if (path === SIGNATURES_FILE) signatures = entry.data
    else if (base.endsWith('.wasm') || path === 'plan.json') {
      throw new BundleError('BUNDLE_UNSUPPORTED', `'${path}': Wasm and plan bundles are not supported; build a Rego bundle (opa build without --target)`)
    } else if (base.endsWith('.rego')) modules.push({ path, raw: entry.data.toString('utf8') })
    else if (DATA_FILE_NAMES.has(base)) dataFiles.push({ path, raw: entry.data })
    // Anything else (READMEs, tests data, editor files) is ignored, as OPA does.
  }

  // Verified before anything is parsed further, so an unsigned change is refused as such.
  let verified: Bundle['verified']
  if (limits.verification) verified = verifyBundleSignature(signatures, files, limits.verification)
  else if (signatures !== undefined) unsupported.push(SIGNATURES_FILE)

  const data: Record<string, unknown> = {}
  dataFiles.sort((a, b) => compare(a.path, b.path))
  for (const f of dataFiles) mountData(data, dirSegments(f.path), parseDataFile(f.path, f.raw), f.path)
  modules.sort((a, b) => compare(a.path, b.path))
  checkModuleRoots(modules, manifest.roots)
  checkDataRoots(data, manifest.roots)
  return { manifest, modules, data, unsupported, ...(verified ? { verified } : {}) }
}

export interface BundleInput {
  revision: string
  /** Defaults to [''] (the bundle owns all of data). */
  roots?: string[]
  metadata?: Record<string, unknown>
  modules: BundleModule[]
  data: Record<string, unknown>
}

/** The gzipped bundle an OPA agent accepts; equal input gives equal bytes (on one zlib build). */
export async function writeBundle(b: BundleInput, opts: { signer?: BundleSigner } = {}): Promise<Buffer> {
  return gzipDeterministic(await writeBundleTar(b, opts))
}

/**
 * The uncompressed tar of `writeBundle`. Its bytes depend only on the input, not on the zlib build,
 * so it is the safer thing to hash for an ETag shared between hosts.
 */
export async function writeBundleTar(b: BundleInput, opts: { signer?: BundleSigner } = {}): Promise<Buffer> {
  const manifest = validateManifest({
    revision: b.revision,
    ...(b.roots !== undefined ? { roots: b.roots } : {}),
    ...(b.metadata !== undefined ? { metadata: b.metadata } : {}),
    // Modules are written for a Rego v1 engine; the field makes OPA 0.x agents parse them as v1 too.
    rego_version: 1,
  })
  if (!isPlainObject(b.data)) throw new BundleError('BUNDLE_INVALID_DATA', 'bundle data must be a JSON object, since it becomes the root of data')
  const modules = b.modules.map((m) => {
    const path = normalizeBundlePath(m.path)
    if (path === '') throw new BundleError('BUNDLE_INVALID_PATH', `module path '${m.path}' is empty; give every module a file name`)
    return { path: path.endsWith('.rego') ? path : `${path}.rego`, raw: m.raw }
  })
  const paths = new Set<string>()
  for (const m of modules) {
    if (paths.has(m.path)) throw new BundleError('BUNDLE_INVALID_PATH', `two modules map to '${m.path}'; give each module its own path`)
    paths.add(m.path)
  }
  checkModuleRoots(modules, manifest.roots)
  checkDataRoots(b.data, manifest.roots)

  const files: Array<{ name: string; data: Buffer }> = [
    { name: '/.manifest', data: Buffer.from(manifestJson(manifest)) },
    { name: '/data.json', data: Buffer.from(canonicalJson(b.data)) },
    ...modules.map((m) => ({ name: `/${m.path}`, data: Buffer.from(m.raw, 'utf8') })),
  ]
  if (opts.signer) {
    // Signed names carry no leading '/', as OPA trims it before comparing.
    const signed = signBundleFiles(files.map((f) => ({ path: f.name.slice(1), data: f.data })), opts.signer)
    files.push({ name: `/${SIGNATURES_FILE}`, data: signed })
  }
  files.sort((a, b) => compare(a.name, b.name))
  return writeTar(files)
}

// Code-unit order, independent of locale, so sorting is stable across hosts.
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
