/**
 * OPA bundle signatures: `.signatures.json` holds `{"signatures": ["<compact JWS>"]}` whose payload
 * lists every file of the bundle with its digest (`files: [{name, hash, algorithm}]`), names
 * without a leading '/'. Verification follows OPA's reader: exactly one JWT; the key is the
 * configured `keyid`, else the header's `kid`, else the deprecated `keyid` claim; the `scope`
 * claim must equal the configured scope (or the key's); every file except `.signatures.json` and
 * `exclude_files` must be listed with a matching digest, and every listed file must exist.
 * Stricter than OPA: the header's `alg` must be the key's algorithm, `exp`/`nbf` are checked when
 * present, and MD5/SHA-1 digests are refused.
 */
import { BundleError } from './errors.ts'
import { FILE_HASH_ALGORITHMS, hashBundleFile, WEAK_FILE_HASH_ALGORITHMS } from './file-hash.ts'
import { globMatch } from './glob.ts'
import { decodeCompact, isJwsAlgorithm, parseJwsKey, signCompact, verifyDecoded, type JwsAlgorithm, type JwsKey } from './jws.ts'

export const SIGNATURES_FILE = '.signatures.json'

export interface VerificationKey {
  algorithm: JwsAlgorithm
  /** PEM public key (or certificate) for RS/PS/ES; the shared secret for HS. */
  key: string
  /** OPA's per-key scope, used when the config sets none. */
  scope?: string
}

/** OPA's `keys` plus `bundles.<name>.signing`. */
export interface VerificationConfig {
  keys: Record<string, VerificationKey>
  keyid?: string
  scope?: string
  exclude_files?: string[]
}

export interface BundleFile {
  /** Normalised: no leading '/'. */
  path: string
  data: Buffer
}

const MAX_TOKEN_CHARS = 1024 * 1024
const MAX_LISTED_FILES = 100_000

const invalid = (message: string) => new BundleError('BUNDLE_SIGNATURE_INVALID', `.signatures.json: ${message}`)

/** Verifies `signatures` (the raw .signatures.json) over `files`; throws a BundleError. Returns the key id used. */
export function verifyBundleSignature(signatures: Buffer | undefined, files: BundleFile[], config: VerificationConfig, now = Date.now()): { keyid: string } {
  if (signatures === undefined) {
    throw new BundleError('BUNDLE_SIGNATURE_REQUIRED', 'this project requires signed bundles and the bundle has no .signatures.json; sign it with opa sign (or opa build --signing-key)')
  }
  const { keyid, claims } = verifySignatureToken(parseSignaturesFile(signatures), config, now)
  checkFiles(claims.files, files, config.exclude_files ?? [])
  return { keyid }
}

/** The JWT alone: signature, key id, scope, time claims (OPA's verifyJWTSignature, plus exp/nbf). */
export function verifySignatureToken(token: string, config: VerificationConfig, now = Date.now()): { keyid: string; claims: Claims } {
  let jws
  try {
    jws = decodeCompact(token)
  } catch (err) {
    throw invalid(`the JWT is malformed: ${(err as Error).message}`)
  }
  const claims = parseClaims(jws.payload)
  const kid = typeof jws.header.kid === 'string' ? jws.header.kid : undefined
  const keyid = config.keyid || kid || claims.keyid
  if (!keyid) throw new BundleError('BUNDLE_SIGNATURE_KEY_UNKNOWN', 'the JWT names no key (no "kid" header or "keyid" claim) and the project configures no keyid')
  const keyConfig = Object.hasOwn(config.keys, keyid) ? config.keys[keyid] : undefined
  if (!keyConfig) throw new BundleError('BUNDLE_SIGNATURE_KEY_UNKNOWN', `the bundle is signed with key id '${keyid}', which is not among the project's verification keys`)
  if (jws.header.alg !== keyConfig.algorithm) {
    throw new BundleError('BUNDLE_SIGNATURE_INVALID', `the JWT's algorithm is ${JSON.stringify(jws.header.alg)} but key '${keyid}' is configured for ${keyConfig.algorithm}`)
  }
  let key: JwsKey
  try {
    key = parseJwsKey(keyConfig.algorithm, keyConfig.key, 'verify')
  } catch (err) {
    throw new BundleError('BUNDLE_SIGNATURE_KEY_UNKNOWN', `verification key '${keyid}' is unusable: ${(err as Error).message}`)
  }
  if (!verifyDecoded(jws, keyConfig.algorithm, key)) throw invalid(`the JWT signature does not verify with key '${keyid}'`)

  const scope = config.scope || keyConfig.scope || ''
  if ((claims.scope ?? '') !== scope) throw invalid(`scope mismatch: the JWT's scope is ${JSON.stringify(claims.scope ?? '')}, the project expects ${JSON.stringify(scope)}`)
  const nowSec = now / 1000
  if (claims.exp !== undefined && nowSec >= claims.exp) throw invalid('the JWT has expired ("exp" is in the past)')
  if (claims.nbf !== undefined && nowSec < claims.nbf) throw invalid('the JWT is not valid yet ("nbf" is in the future)')
  return { keyid, claims }
}

export function parseSignaturesFile(raw: Buffer): string {
  if (raw.length > MAX_TOKEN_CHARS) throw invalid('larger than 1 MiB')
  let doc: unknown
  try {
    doc = JSON.parse(raw.toString('utf8'))
  } catch {
    throw invalid('not valid JSON; expected {"signatures": ["<JWT>"]}')
  }
  const list = (doc as { signatures?: unknown } | null)?.signatures
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray(list)) throw invalid('expected {"signatures": ["<JWT>"]}')
  if (list.length === 0) throw invalid('missing JWT (expected exactly one)')
  if (list.length > 1) throw invalid('multiple JWTs not supported (expected exactly one)')
  if (typeof list[0] !== 'string') throw invalid('the signature must be a JWT string')
  return list[0]
}

export interface Claims {
  files: Array<{ name: string; hash: string; algorithm: string }>
  keyid?: string
  scope?: string
  exp?: number
  nbf?: number
}

function parseClaims(payload: Buffer): Claims {
  let c: any
  try {
    c = JSON.parse(payload.toString('utf8'))
  } catch {
    throw invalid('the JWT payload is not JSON')
  }
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw invalid('the JWT payload is not a JSON object')
  if (!Array.isArray(c.files)) throw invalid('the JWT payload has no "files" list')
  if (c.files.length > MAX_LISTED_FILES) throw invalid(`the JWT lists more than ${MAX_LISTED_FILES} files`)
  for (const f of c.files) {
    if (f === null || typeof f !== 'object' || typeof f.name !== 'string' || typeof f.hash !== 'string' || (f.algorithm !== undefined && typeof f.algorithm !== 'string')) {
      throw invalid('each entry of "files" must be {"name": string, "hash": string, "algorithm": string}')
    }
  }
  for (const k of ['keyid', 'scope'] as const) if (c[k] !== undefined && typeof c[k] !== 'string') throw invalid(`the "${k}" claim must be a string`)
  for (const k of ['exp', 'nbf'] as const) if (c[k] !== undefined && (typeof c[k] !== 'number' || !Number.isFinite(c[k]))) throw invalid(`the "${k}" claim must be a number`)
  return c as Claims
}

const mismatch = (message: string) => new BundleError('BUNDLE_SIGNATURE_MISMATCH', message)

function checkFiles(listed: Claims['files'], files: BundleFile[], exclude: string[]): void {
  // OPA compares names exactly, after trimming the bundle file's leading '/'; a claim name with one is trimmed too.
  const expected = new Map<string, Claims['files'][number]>()
  for (const f of listed) expected.set(f.name.replace(/^\/+/, ''), f)
  for (const file of files) {
    if (file.path === SIGNATURES_FILE) continue
    const excluded = exclude.some((p) => globMatch(p, file.path))
    const entry = expected.get(file.path)
    expected.delete(file.path)
    if (excluded) continue
    if (!entry) throw mismatch(`file ${file.path} is not included in the bundle signature`)
    const alg = entry.algorithm ?? ''
    if (alg === '') throw mismatch(`no hashing algorithm given for file ${file.path}`)
    if (WEAK_FILE_HASH_ALGORITHMS.has(alg)) throw new BundleError('BUNDLE_SIGNATURE_UNSUPPORTED', `file ${file.path} is hashed with ${alg}, which is too weak; sign with SHA-256`)
    if (!FILE_HASH_ALGORITHMS[alg]) throw new BundleError('BUNDLE_SIGNATURE_UNSUPPORTED', `file ${file.path}: unsupported hashing algorithm ${JSON.stringify(alg)}; use SHA-256`)
    let got: string
    try {
      got = hashBundleFile(file.path, file.data, alg)
    } catch (err) {
      if (err instanceof BundleError) throw err
      throw new BundleError('BUNDLE_INVALID_DATA', `${file.path}: not valid JSON, so it cannot be hashed (${(err as Error).message})`)
    }
    if (got !== entry.hash.toLowerCase()) throw mismatch(`${file.path}: digest mismatch (want: ${entry.hash.slice(0, 128)}, got: ${got})`)
  }
  if (expected.size > 0) {
    const names = [...expected.keys()].slice(0, 10)
    throw mismatch(`file(s) ${names.join(', ')}${expected.size > 10 ? ', ...' : ''} specified in the bundle signature but not found in the bundle`)
  }
}

/** Dyad's own signing key (server setting), parsed once at start. */
export interface BundleSigner {
  algorithm: JwsAlgorithm
  key: JwsKey
  keyid?: string
  scope?: string
}

/** Throws an Error with a readable message (a startup configuration error). */
export function createBundleSigner(opts: { algorithm: string; key: string; keyid?: string; scope?: string }): BundleSigner {
  if (!isJwsAlgorithm(opts.algorithm)) throw new Error(`unsupported bundle signing algorithm ${opts.algorithm}`)
  return { algorithm: opts.algorithm, key: parseJwsKey(opts.algorithm, opts.key, 'sign'), ...(opts.keyid ? { keyid: opts.keyid } : {}), ...(opts.scope ? { scope: opts.scope } : {}) }
}

/** The .signatures.json content for `files`, as `opa sign` writes it (SHA-256 digests). */
export function signBundleFiles(files: BundleFile[], signer: BundleSigner): Buffer {
  const listed = files
    .filter((f) => f.path !== SIGNATURES_FILE)
    .map((f) => ({ name: f.path, hash: hashBundleFile(f.path, f.data, 'SHA-256'), algorithm: 'SHA-256' }))
  // Keys sorted, as Go's json.Marshal writes a map.
  const payload = { files: listed, ...(signer.keyid ? { keyid: signer.keyid } : {}), ...(signer.scope ? { scope: signer.scope } : {}) }
  const token = signCompact(signer.algorithm, signer.key, Buffer.from(JSON.stringify(payload)), signer.keyid ? { kid: signer.keyid } : {})
  return Buffer.from(JSON.stringify({ signatures: [token] }))
}
