/**
 * Signed bundles over HTTP. Bundles are signed here with node:crypto directly (digests and JWS
 * computed in this file, not by Dyad's signer) and packed by GNU tar; every tampered variant is
 * refused with its code and leaves the project's policies as they were. The bundle Dyad serves
 * with a signing key is checked the same independent way, and by importing it into a project
 * that verifies with the public key.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { createHash, createHmac, generateKeyPairSync, sign, verify } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { ADMIN_KEY, bearer, buildTestApp } from '../../helpers/app.ts'

const rsaPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
const ecPair = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
const rsa = rsaPair()
const otherRsa = rsaPair()
const admin = bearer(ADMIN_KEY)
const gzHeaders = { ...admin, 'content-type': 'application/gzip' }

/** Sorted-key compact JSON: the normal form OPA hashes for these simple documents (no numbers with fractions). */
const canonical = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(canonical).join(',')}]` : v !== null && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`).join(',')}}` : JSON.stringify(v)
const STRUCTURED = /(^|\/)(data\.json|\.manifest)$/
const digest = (name: string, data: Buffer) => createHash('sha256').update(STRUCTURED.test(name) ? canonical(JSON.parse(data.toString())) : data).digest('hex')
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')

function rs256(header: object, claims: object, privateKey = rsa.privateKey): string {
  const input = `${b64({ alg: 'RS256', ...header })}.${b64(claims)}`
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
}

const BASE: Record<string, string> = {
  '.manifest': JSON.stringify({ revision: 'signed-1', roots: ['app'] }),
  'app/policy.rego': 'package app\n\nimport rego.v1\n\nallow if input.user == data.app.users[_]\n',
  'app/data.json': JSON.stringify({ users: ['ada', 'bob'] }, null, 2),
}

/** Packs `files` (plus `.signatures.json` when given) with GNU tar, leading-slash names like opa build. */
function pack(files: Record<string, string>, signatures?: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-signed-'))
  try {
    const all = signatures === undefined ? files : { ...files, '.signatures.json': signatures }
    for (const [name, content] of Object.entries(all)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true })
      writeFileSync(join(dir, name), content)
    }
    execFileSync('tar', ['-czf', join(dir, '..', `${relative(tmpdir(), dir)}.tgz`), '--format=pax', '--transform', 's,^\\./,/,', '-C', dir, '.'])
    const out = readFileSync(join(dir, '..', `${relative(tmpdir(), dir)}.tgz`))
    rmSync(join(dir, '..', `${relative(tmpdir(), dir)}.tgz`))
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const filesClaim = (files: Record<string, string>) => Object.entries(files).map(([name, c]) => ({ name, hash: digest(name, Buffer.from(c)), algorithm: 'SHA-256' }))
const signatures = (token: string) => JSON.stringify({ signatures: [token] })
const signed = (files: Record<string, string>, header: object = { kid: 'k1' }, claims: object = {}, key?: string) => pack(files, signatures(rs256(header, { files: filesClaim(files), ...claims }, key)))

t.test('imports verify signatures; tampered bundles are refused and change nothing', async (t) => {
  const { app } = await buildTestApp(t)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'sig', name: 'Signed' } })
  const url = '/v1/projects/sig/bundles'
  const verification = '/v1/projects/sig/bundles/verification'

  t.equal((await app.inject({ method: 'GET', url: verification, headers: admin })).statusCode, 404, 'no config yet')
  const signedNoConfig = await app.inject({ method: 'POST', url, headers: gzHeaders, payload: signed(BASE) })
  t.equal(signedNoConfig.json().code, 'BUNDLE_UNSUPPORTED', 'signed bundle without keys: refused, never imported unverified')

  const put = await app.inject({ method: 'PUT', url: verification, headers: admin, payload: { keys: { k1: { algorithm: 'RS256', key: rsa.publicKey }, h1: { algorithm: 'HS256', key: 'hmac-secret-value' } } } })
  t.equal(put.statusCode, 200, put.body)
  const shown = await app.inject({ method: 'GET', url: verification, headers: admin })
  t.same(shown.json(), { keys: { k1: { algorithm: 'RS256', key: rsa.publicKey }, h1: { algorithm: 'HS256', redacted: true } } })
  t.notMatch(shown.body, /hmac-secret-value/, 'the HMAC secret is never returned')

  const unsigned = await app.inject({ method: 'POST', url, headers: gzHeaders, payload: pack(BASE) })
  t.equal(unsigned.statusCode, 400)
  t.equal(unsigned.json().code, 'BUNDLE_SIGNATURE_REQUIRED')

  const ok = await app.inject({ method: 'POST', url, headers: gzHeaders, payload: signed(BASE) })
  t.equal(ok.statusCode, 200, ok.body)
  t.match(ok.json(), { revision: 'signed-1', policies: ['app/policy.rego'] })
  const allow = await app.inject({ method: 'POST', url: '/v1/projects/sig/opa/v1/data/app/allow', headers: admin, payload: { input: { user: 'ada' } } })
  t.equal(allow.json().result, true)
  const policiesBefore = (await app.inject({ method: 'GET', url: '/v1/projects/sig/opa/v1/policies', headers: admin })).json().result
  const dataBefore = (await app.inject({ method: 'GET', url: '/v1/projects/sig/opa/v1/data', headers: admin })).json().result

  // HMAC key from the same config: OPA's own signing shape (kid header + deprecated keyid claim).
  const hsInput = `${b64({ alg: 'HS256', kid: 'h1' })}.${b64({ files: filesClaim(BASE), keyid: 'h1' })}`
  const hsToken = `${hsInput}.${createHmac('sha256', 'hmac-secret-value').update(hsInput).digest('base64url')}`
  t.equal((await app.inject({ method: 'POST', url, headers: gzHeaders, payload: pack(BASE, signatures(hsToken)) })).statusCode, 200, 'HS256 signature verifies')

  const changedRego = { ...BASE, 'app/policy.rego': 'package app\n\nimport rego.v1\n\nallow := true\n' }
  const changedData = { ...BASE, 'app/data.json': JSON.stringify({ users: ['ada', 'bob', 'eve'] }) }
  const claimsOf = filesClaim(BASE)
  const sigOver = (claims: object, header: object = { kid: 'k1' }, key?: string) => signatures(rs256(header, claims, key))
  const cases: Array<[string, Buffer, string]> = [
    ['changed rego file', pack(changedRego, sigOver({ files: claimsOf })), 'BUNDLE_SIGNATURE_MISMATCH'],
    ['changed data.json', pack(changedData, sigOver({ files: claimsOf })), 'BUNDLE_SIGNATURE_MISMATCH'],
    ['added file', pack({ ...BASE, 'app/extra.rego': 'package app\n\ndeny := true\n' }, sigOver({ files: claimsOf })), 'BUNDLE_SIGNATURE_MISMATCH'],
    ['removed file', pack({ '.manifest': BASE['.manifest']!, 'app/data.json': BASE['app/data.json']! }, sigOver({ files: claimsOf })), 'BUNDLE_SIGNATURE_MISMATCH'],
    ['wrong key', pack(BASE, sigOver({ files: claimsOf }, { kid: 'k1' }, otherRsa.privateKey)), 'BUNDLE_SIGNATURE_INVALID'],
    ['wrong keyid', pack(BASE, sigOver({ files: claimsOf }, { kid: 'k9' })), 'BUNDLE_SIGNATURE_KEY_UNKNOWN'],
    ['wrong scope', pack(BASE, sigOver({ files: claimsOf, scope: 'other' })), 'BUNDLE_SIGNATURE_INVALID'],
    ['expired token', pack(BASE, sigOver({ files: claimsOf, exp: Math.floor(Date.now() / 1000) - 60 })), 'BUNDLE_SIGNATURE_INVALID'],
    ['garbage token', pack(BASE, signatures('not.a.jwt!')), 'BUNDLE_SIGNATURE_INVALID'],
    ['two-part token', pack(BASE, signatures('eyJhbGciOiJIUzI1NiJ9.e30')), 'BUNDLE_SIGNATURE_INVALID'],
    ['alg none', pack(BASE, signatures(`${b64({ alg: 'none', kid: 'k1' })}.${b64({ files: claimsOf })}.`)), 'BUNDLE_SIGNATURE_INVALID'],
    ['RS256 key used as HMAC secret', pack(BASE, signatures((() => { const i = `${b64({ alg: 'HS256', kid: 'k1' })}.${b64({ files: claimsOf })}`; return `${i}.${createHmac('sha256', rsa.publicKey).update(i).digest('base64url')}` })())), 'BUNDLE_SIGNATURE_INVALID'],
    ['malformed .signatures.json', pack(BASE, '{"signatures": "eyJ"}'), 'BUNDLE_SIGNATURE_INVALID'],
    ['not JSON .signatures.json', pack(BASE, '{{'), 'BUNDLE_SIGNATURE_INVALID'],
    ['weak digest', pack(BASE, sigOver({ files: claimsOf.map((f) => ({ ...f, algorithm: 'MD5' })) })), 'BUNDLE_SIGNATURE_UNSUPPORTED'],
    ['unknown digest', pack(BASE, sigOver({ files: claimsOf.map((f) => ({ ...f, algorithm: 'SHA-999' })) })), 'BUNDLE_SIGNATURE_UNSUPPORTED'],
  ]
  for (const [name, payload, code] of cases) {
    const res = await app.inject({ method: 'POST', url, headers: gzHeaders, payload })
    t.equal(res.statusCode, 400, `${name}: ${res.body}`)
    t.equal(res.json().code, code, name)
  }
  t.same((await app.inject({ method: 'GET', url: '/v1/projects/sig/opa/v1/policies', headers: admin })).json().result, policiesBefore, 'policies unchanged')
  t.same((await app.inject({ method: 'GET', url: '/v1/projects/sig/opa/v1/data', headers: admin })).json().result, dataBefore, 'data unchanged')

  // Scope and excluded files from the config.
  await app.inject({ method: 'PUT', url: verification, headers: admin, payload: { keys: { k1: { algorithm: 'RS256', key: rsa.publicKey } }, keyid: 'k1', scope: 'prod', exclude_files: ['app/*.md'] } })
  t.equal((await app.inject({ method: 'POST', url, headers: gzHeaders, payload: signed(BASE) })).json().code, 'BUNDLE_SIGNATURE_INVALID', 'scope now required')
  const withReadme = pack({ ...BASE, 'app/README.md': '# notes' }, sigOver({ files: claimsOf, scope: 'prod' }, {}))
  t.equal((await app.inject({ method: 'POST', url, headers: gzHeaders, payload: withReadme })).statusCode, 200, 'excluded file need not be signed; configured keyid used without kid')

  // Bad configs.
  for (const [name, body] of [
    ['private key', { keys: { k: { algorithm: 'RS256', key: rsa.privateKey } } }],
    ['keyid not among keys', { keys: { k: { algorithm: 'RS256', key: rsa.publicKey } }, keyid: 'x' }],
    ['RSA key for ES256', { keys: { k: { algorithm: 'ES256', key: rsa.publicKey } } }],
    ['not PEM', { keys: { k: { algorithm: 'RS256', key: 'hello' } } }],
    ['character class', { keys: { k: { algorithm: 'HS256', key: 's' } }, exclude_files: ['[a-z]'] }],
  ] as const) {
    const res = await app.inject({ method: 'PUT', url: verification, headers: admin, payload: body })
    t.equal(res.statusCode, 400, name)
    t.equal(res.json().code, 'BUNDLE_VERIFICATION_CONFIG_INVALID', name)
  }
  for (const body of [{ keys: {} }, { keys: { k: { algorithm: 'none', key: 's' } } }, { keys: { k: { algorithm: 'HS256' } } }]) {
    t.equal((await app.inject({ method: 'PUT', url: verification, headers: admin, payload: body })).statusCode, 400, JSON.stringify(body))
  }

  t.equal((await app.inject({ method: 'DELETE', url: verification, headers: admin })).statusCode, 204)
  t.equal((await app.inject({ method: 'DELETE', url: verification, headers: admin })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url, headers: gzHeaders, payload: pack(BASE) })).statusCode, 200, 'unsigned accepted again')

  // Deleting the project deletes its verification keys.
  await app.inject({ method: 'PUT', url: verification, headers: admin, payload: { keys: { k1: { algorithm: 'RS256', key: rsa.publicKey } } } })
  const deleted = await app.inject({ method: 'DELETE', url: '/v1/projects/sig', headers: admin })
  t.ok(deleted.statusCode < 300, deleted.body)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'sig', name: 'Signed again' } })
  t.equal((await app.inject({ method: 'GET', url: verification, headers: admin })).statusCode, 404, 'no keys survive the project')
})

/** Unpacks with GNU tar; file name (no leading '/') to bytes. */
function unpack(gz: Buffer): Map<string, Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'dyad-served-'))
  try {
    writeFileSync(join(dir, 'b.tgz'), gz)
    mkdirSync(join(dir, 'x'))
    execFileSync('tar', ['-xzf', join(dir, 'b.tgz'), '-C', join(dir, 'x')])
    const out = new Map<string, Buffer>()
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f)
        if (statSync(p).isDirectory()) walk(p)
        else out.set(relative(join(dir, 'x'), p), readFileSync(p))
      }
    }
    walk(join(dir, 'x'))
    return out
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

t.test('served bundles carry a signature OPA accepts', async (t) => {
  const { app } = await buildTestApp(t, { DYAD_POLICY_BUNDLE_SIGNING_KEY: rsa.privateKey, DYAD_POLICY_BUNDLE_SIGNING_KEY_ID: 'dyad-1' })
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'src', name: 'Source' } })
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'dst', name: 'Dest' } })
  t.equal((await app.inject({ method: 'POST', url: '/v1/projects/src/bundles', headers: gzHeaders, payload: pack(BASE) })).statusCode, 200)

  const served = await app.inject({ method: 'GET', url: '/v1/projects/src/bundles/bundle.tar.gz', headers: admin })
  t.equal(served.statusCode, 200)
  const files = unpack(served.rawPayload)
  const sig = JSON.parse(files.get('.signatures.json')!.toString())
  t.equal(sig.signatures.length, 1)
  const [h, p, s] = sig.signatures[0].split('.')
  t.same(JSON.parse(Buffer.from(h, 'base64url').toString()), { alg: 'RS256', kid: 'dyad-1' })
  t.ok(verify('sha256', Buffer.from(`${h}.${p}`), rsa.publicKey, Buffer.from(s, 'base64url')), 'the JWS verifies with node:crypto and the public key')
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString())
  t.equal(claims.keyid, 'dyad-1')
  const listed = new Map<string, { hash: string; algorithm: string }>(claims.files.map((f: any) => [f.name, f]))
  const inTar = [...files.keys()].filter((n) => n !== '.signatures.json').sort()
  t.same([...listed.keys()].sort(), inTar, 'every file listed, names without a leading slash')
  for (const name of inTar) {
    t.equal(listed.get(name)!.algorithm, 'SHA-256')
    t.equal(listed.get(name)!.hash, digest(name, files.get(name)!), `${name}: digest recomputed independently`)
  }

  // Dyad's verifier accepts it too, and the ETag is stable.
  await app.inject({ method: 'PUT', url: '/v1/projects/dst/bundles/verification', headers: admin, payload: { keys: { 'dyad-1': { algorithm: 'RS256', key: rsa.publicKey } } } })
  const imported = await app.inject({ method: 'POST', url: '/v1/projects/dst/bundles', headers: gzHeaders, payload: served.rawPayload })
  t.equal(imported.statusCode, 200, imported.body)
  const again = await app.inject({ method: 'GET', url: '/v1/projects/src/bundles/bundle.tar.gz', headers: admin })
  t.equal(again.headers.etag, served.headers.etag)
  t.same(again.rawPayload, served.rawPayload, 'RS256: identical bytes on every request')
  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/src/bundles/bundle.tar.gz', headers: { ...admin, 'if-none-match': served.headers.etag as string } })).statusCode, 304)
})

t.test('ECDSA signatures vary, the ETag does not', async (t) => {
  const ec = ecPair('prime256v1')
  const { app } = await buildTestApp(t, { DYAD_POLICY_BUNDLE_SIGNING_KEY: ec.privateKey, DYAD_POLICY_BUNDLE_SIGNING_ALG: 'ES256', DYAD_POLICY_BUNDLE_SIGNING_KEY_ID: 'ec' })
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'ec', name: 'EC' } })
  await app.inject({ method: 'POST', url: '/v1/projects/ec/bundles', headers: gzHeaders, payload: pack(BASE) })
  const a = await app.inject({ method: 'GET', url: '/v1/projects/ec/bundles/bundle.tar.gz', headers: admin })
  const b = await app.inject({ method: 'GET', url: '/v1/projects/ec/bundles/bundle.tar.gz', headers: admin })
  t.not(a.rawPayload.toString('hex'), b.rawPayload.toString('hex'), 'ECDSA signatures are randomised')
  t.equal(a.headers.etag, b.headers.etag, 'the ETag comes from the content')
  const [h, p, s] = JSON.parse(unpack(a.rawPayload).get('.signatures.json')!.toString()).signatures[0].split('.')
  t.ok(verify('sha256', Buffer.from(`${h}.${p}`), { key: ec.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')), 'ES256 JWS (raw r||s) verifies')
})

t.test('a bad signing key fails at start, not per download', async (t) => {
  await t.rejects(buildTestApp(t, { DYAD_POLICY_BUNDLE_SIGNING_KEY: 'not a pem', DYAD_POLICY_BUNDLE_SIGNING_ALG: 'RS256' }))
})
