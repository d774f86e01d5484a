/**
 * Bundle signing units: OPA's file hashing (against OPA's own test expectations), the JWT checks
 * (OPA's test tokens), JWS round trips for every algorithm, and exclude patterns.
 */
import t from 'tap'
import { createHash, generateKeyPairSync } from 'node:crypto'
import { BundleError, BundleErrors } from '../../../../plugins/policy/bundle/errors.ts'
import { goString, hashBundleFile, normalForm, parseKeepingNumbers } from '../../../../plugins/policy/bundle/file-hash.ts'
import { globMatch } from '../../../../plugins/policy/bundle/glob.ts'
import { decodeCompact, JWS_ALGORITHMS, parseJwsKey, signCompact, verifyDecoded, type JwsAlgorithm } from '../../../../plugins/policy/bundle/jws.ts'
import { createBundleSigner, signBundleFiles, verifyBundleSignature, verifySignatureToken, type VerificationConfig } from '../../../../plugins/policy/bundle/signing.ts'

const rsaPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
const ecPair = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })

const codeOf = (fn: () => unknown): string => {
  try {
    fn()
  } catch (err) {
    if (err instanceof BundleError) return err.code
    throw err
  }
  return 'no error'
}

t.test('file hashing matches OPA', async (t) => {
  // open-policy-agent/opa v1/bundle/verify_test.go, TestVerifyBundleFile "bad_digest": OPA reports
  // the MD5 of /.manifest `{"revision": "quickbrownfaux"}` as a005c38a509dc2d5a7407b9494efb2ad
  // (the manifest is a structured file, so whitespace is dropped before hashing).
  t.equal(hashBundleFile('.manifest', Buffer.from('{"revision": "quickbrownfaux"}'), 'MD5', 'md5'), 'a005c38a509dc2d5a7407b9494efb2ad')

  // open-policy-agent/opa v1/bundle/hash_test.go, TestHashFile "map": the digest of a structured
  // value equals the digest of Go's JSON encoding with sorted keys and json.Number kept verbatim.
  const goEncoded = '{"key1":["element1","element2"],"key2":{"a":0,"b":1,"c":123.45678911111111111111111111111111111111111111111111111}}'
  const shuffled = '{ "key2": {"c": 123.45678911111111111111111111111111111111111111111111111, "b": 1, "a": 0},\n  "key1": ["element1", "element2"] }'
  t.equal(normalForm(parseKeepingNumbers(shuffled)), goEncoded)
  t.equal(hashBundleFile('x/data.json', Buffer.from(shuffled), 'SHA-256'), createHash('sha256').update(goEncoded).digest('hex'))
  // hash_test.go "string_with_html_chars": SetEscapeHTML(false), so '<' stays '<'.
  t.equal(goString('<foo></foo>'), '"<foo></foo>"')
  // hash_test.go "array" element ["$","α","©","™"]: non-ASCII is written as UTF-8, not escaped.
  t.equal(normalForm(['$', 'α', '©', '™']), '["$","α","©","™"]')
  // hash_test.go "null", "bool".
  t.equal(normalForm(null), 'null')
  t.equal(normalForm(false), 'false')

  // Go-specific string and key rules.
  t.equal(goString('a\u2028b'), '"a\\u2028b"', 'Go escapes U+2028')
  t.equal(goString('\ud800'), '"\ufffd"', 'a lone surrogate becomes U+FFFD, as Go decodes it')
  t.equal(normalForm(parseKeepingNumbers('{"\ue000":1,"\ud83d\ude00":2}')), '{"\ue000":1,"\ud83d\ude00":2}', 'keys in UTF-8 byte order (U+E000 before U+1F600)')
  t.equal(normalForm(parseKeepingNumbers('[1.0, 1e2, -0]')), '[1.0,1e2,-0]', 'numbers keep their literal text')

  // .rego and other files: their bytes.
  const rego = Buffer.from('package a\n\nallow := true\n')
  t.equal(hashBundleFile('a/policy.rego', rego, 'SHA-256'), createHash('sha256').update(rego).digest('hex'))
  t.equal(hashBundleFile('README.md', Buffer.from(' {} '), 'SHA-512'), createHash('sha512').update(' {} ').digest('hex'), 'only data.json/data.yaml/.manifest are normalised')
  t.equal(hashBundleFile('a/data.yaml', Buffer.from('b: 1\na: [x]\n'), 'SHA-256'), createHash('sha256').update('{"a":["x"],"b":1}').digest('hex'))
  t.throws(() => hashBundleFile('a.rego', rego, 'MD6'), /unsupported hashing algorithm/)
  // Deep nesting is walked without recursion.
  const deep = '['.repeat(5000) + ']'.repeat(5000)
  t.equal(normalForm(JSON.parse(deep)), deep)
})

// Tokens and keys from open-policy-agent/opa v1/bundle/verify_test.go (TestVerifyBundleSignature, TestVerifyJWTSignature).
const FILES_PAYLOAD = 'eyJmaWxlcyI6W3sibmFtZSI6ImRiL3VhbTIvZW50aXRsZW1lbnRzL2RhdGEuanNvbiIsImhhc2giOiJjMjEzMTU0NGM3MTZhMjVhNWUzMWY1MDQzMDBmNTI0MGU4MjM1Y2FkYjlhNTdmMGJkMWI2ZjRiZDc0YjI2NjEyIiwiYWxnb3JpdGhtIjoic2hhMjU2In0seyJuYW1lIjoiZGIvdWFtMi9wb2xpY3kvb3BhLXBvbGljeS5yZWdvIiwiaGFzaCI6IjQyY2ZlNjc2OGI1N2JiNWY3NTAzYzE2NWMyOGRkMDdhYzViODEzNTU0ZWJjODUwZjJjYzM1ODQzZTcxMzdiMWQifV0sImlhdCI6MTU5MjI0ODAyNywiaXNzIjoiSldUU2VydmljZSIsInNjb3BlIjoid3JpdGUifQ'
const OPA = {
  signedTokenHS256: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvbyJ9.${FILES_PAYLOAD}.u7b_h88osJpU6VQLhIUmZjblsPNCO_kTqsVtpEAHavs`,
  signedNoKeyIDTokenHS256: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${FILES_PAYLOAD}.N2DaEyhfACMAij2sRC0ZDwNz4wI7BX_flH3IkKqMvE4`,
  signedTokenWithDeprecatedKidClaimHS256: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJmaWxlcyI6W3sibmFtZSI6ImRiL3VhbTIvZW50aXRsZW1lbnRzL2RhdGEuanNvbiIsImhhc2giOiJjMjEzMTU0NGM3MTZhMjVhNWUzMWY1MDQzMDBmNTI0MGU4MjM1Y2FkYjlhNTdmMGJkMWI2ZjRiZDc0YjI2NjEyIiwiYWxnb3JpdGhtIjoic2hhMjU2In0seyJuYW1lIjoiZGIvdWFtMi9wb2xpY3kvb3BhLXBvbGljeS5yZWdvIiwiaGFzaCI6IjQyY2ZlNjc2OGI1N2JiNWY3NTAzYzE2NWMyOGRkMDdhYzViODEzNTU0ZWJjODUwZjJjYzM1ODQzZTcxMzdiMWQifV0sImlhdCI6MTU5MjI0ODAyNywiaXNzIjoiSldUU2VydmljZSIsImtleWlkIjoiZm9vIiwic2NvcGUiOiJ3cml0ZSJ9.4nrInalqppAc9EjsNUD9Y35amVpDGoRk4bkxzdY8fhs',
  signedTokenWithBarKidHS256: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImJhciJ9.${FILES_PAYLOAD}.xW04tph2-dSy47uZ-CgiObvFWFLUsMym8N7ermgPZ0s`,
  signedTokenRS256: 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvbyJ9.eyJmaWxlcyI6W3sibmFtZSI6ImRiL3VhbTIvZW50aXRsZW1lbnRzL2RhdGEuanNvbiIsImhhc2giOiJjMjEzMTU0NGM3MTZhMjVhNWUzMWY1MDQzMDBmNTI0MGU4MjM1Y2FkYjlhNTdmMGJkMWI2ZjRiZDc0YjI2NjEyIiwiYWxnb3JpdGhtIjoic2hhMjU2In0seyJuYW1lIjoiZGIvdWFtMi9wb2xpY3kvb3BhLXBvbGljeS5yZWdvIiwiaGFzaCI6IjQyY2ZlNjc2OGI1N2JiNWY3NTAzYzE2NWMyOGRkMDdhYzViODEzNTU0ZWJjODUwZjJjYzM1ODQzZTcxMzdiMWQifV0sImlhdCI6MTU5MjI1MTQwNiwiaXNzIjoiSldUU2VydmljZSIsInNjb3BlIjoid3JpdGUifQ.UZcX_Qj29o213nwZ5mysiyNcgAp1AOqCkDLkj1KGZ7Cw3l17TbkF8t3FJd654sf762NGcABA0WQ2zxq-labXl_d5TKQmq23lurO3qLHI1cKQPyoxPbddGo78sJpMwWsiMyEYcyyKC9FpNUpa8cT81GPo4q9Zui8TAD0wtHh2YxBL7E8QYLJxcLMJTJxVBgrQGLXFT7vYRc6hJz9Vu-i0SWuLBGxOCmYoHr4DWFfy0IhAbhiUFyLRpukfBPjCJNYY5LgaZdN6LaYivtIEUms5jUuXubBimLJm7KOT5-bgJMXTcUsbrbl2Ma7PwG5IOKjjgyEvH8KVfGFZSzNrpuxKmA',
  badToken: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.4nrInalqppAc9EjsNUD9Y35amVpDGoRk4bkxzdY8fhs',
  badTokenHeaderBase64: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvby 9.${FILES_PAYLOAD}.u7b_h88osJpU6VQLhIUmZjblsPNCO_kTqsVtpEAHavs`,
  badTokenHeaderJSON: `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvbyX9.${FILES_PAYLOAD}.u7b_h88osJpU6VQLhIUmZjblsPNCO_kTqsVtpEAHavs`,
  badTokenPayload: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJmaWxlcyI6eyJuYW1lIjoiZGIvdWFtMi9wb2xpY3kvb3BhLXBvbGljeS5yZWdvIiwiaGFzaCI6IjQyY2ZlNjc2OGI1N2JiNWY3NTAzYzE2NWMyOGRkMDdhYzViODEzNTU0ZWJjODUwZjJjYzM1ODQzZTcxMzdiMWQifSwiaWF0IjoxNTkyMjQ4MDI3LCJpc3MiOiJKV1RTZXJ2aWNlIiwia2V5aWQiOiJmb28iLCJzY29wZSI6IndyaXRlIn0.J3KJFOycHPy4Wkw_LzzIKvTMqCsV8L8DdQW5Q-vieKg',
  publicKeyValid: `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA9KaakMv1XKKDaSch3PFR
3a27oaHp1GNTTNqvb1ZaHZXp+wuhYDwc/MTE67x9GCifvQBWzEGorgTq7aisiOyl
vKifwz6/wQ+62WHKG/sqKn2Xikp3P63aBIPlZcHbkyyRmL62yeyuzYoGvLEYel+m
z5SiKGBwviSY0Th2L4e5sGJuk2HOut6emxDi+E2Fuuj5zokFJvIT6Urlq8f3h6+l
GeR6HUOXqoYVf7ff126GP7dticTVBgibxkkuJFmpvQSW6xmxruT4k6iwjzbZHY7P
ypZ/TdlnuGC1cOpAVyU7k32IJ9CRbt3nwEf5U54LRXLLQjFixWZHwKdDiMTF4ws0
+wIDAQAB
-----END PUBLIC KEY-----`,
  publicKeyInvalid: `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDMYfnvWtC8Id5bPKae5yXSxQTt
+Zpul6AnnZWfI2TtIarvjHBFUtXRo96y7hoL4VWOPKGCsRqMFDkrbeUjRrx8iL91
4/srnyf6sh9c8Zk04xEOpK1ypvBz+Ks4uZObtjnnitf0NBGdjMKxveTq+VE7BWUI
yQjtQ8mbDOsiLLvh7wIDAQAB
-----END PUBLIC KEY-----`,
}
const hsFoo = (extra: Partial<VerificationConfig> = {}): VerificationConfig => ({ keys: { foo: { algorithm: 'HS256', key: 'secret' } }, ...extra })

t.test("OPA's JWT test vectors", async (t) => {
  // verify_test.go "valid_token_and_scope"
  const ok = verifySignatureToken(OPA.signedTokenHS256, hsFoo({ scope: 'write' }))
  t.equal(ok.keyid, 'foo')
  t.equal(ok.claims.files.length, 2, 'verify_test.go: expectedNumFiles 2')
  // "valid_token_and_scope_mismatch"
  t.equal(codeOf(() => verifySignatureToken(OPA.signedTokenHS256, hsFoo({ scope: 'bad_scope' }))), 'BUNDLE_SIGNATURE_INVALID')
  // "no_public_key_id" / "actual_public_key_missing"
  t.equal(codeOf(() => verifySignatureToken(OPA.signedNoKeyIDTokenHS256, { keys: {} })), 'BUNDLE_SIGNATURE_KEY_UNKNOWN')
  t.equal(codeOf(() => verifySignatureToken(OPA.signedTokenHS256, { keys: {} })), 'BUNDLE_SIGNATURE_KEY_UNKNOWN')
  // "deprecated_key_id_claim": the payload's keyid claim names the key.
  t.equal(verifySignatureToken(OPA.signedTokenWithDeprecatedKidClaimHS256, hsFoo({ scope: 'write' })).keyid, 'foo')
  // "public_key_with_valid_HS256_sign": the configured keyid wins over the header's kid "bar".
  t.equal(verifySignatureToken(OPA.signedTokenWithBarKidHS256, hsFoo({ keyid: 'foo', scope: 'write' })).keyid, 'foo')
  t.equal(codeOf(() => verifySignatureToken(OPA.signedTokenWithBarKidHS256, hsFoo({ scope: 'write' }))), 'BUNDLE_SIGNATURE_KEY_UNKNOWN', 'without it, kid bar is unknown')
  // "public_key_with_invalid_HS256_sign"
  t.equal(codeOf(() => verifySignatureToken(OPA.signedTokenHS256, { keys: { foo: { algorithm: 'HS256', key: 'bad_secret' } }, scope: 'write' })), 'BUNDLE_SIGNATURE_INVALID')
  // "public_key_with_valid_RS256_sign" (and with keyid given in config)
  const rs = { keys: { foo: { algorithm: 'RS256' as const, key: OPA.publicKeyValid } }, scope: 'write' }
  t.equal(verifySignatureToken(OPA.signedTokenRS256, rs).keyid, 'foo')
  t.equal(verifySignatureToken(OPA.signedTokenRS256, { ...rs, keyid: 'foo' }).keyid, 'foo')
  // "public_key_with_invalid_RS256_sign": another (1024-bit) key; refused as unusable here.
  t.equal(codeOf(() => verifySignatureToken(OPA.signedTokenRS256, { keys: { foo: { algorithm: 'RS256', key: OPA.publicKeyInvalid } }, scope: 'write' })), 'BUNDLE_SIGNATURE_KEY_UNKNOWN')
  // The HS256 token checked against the RSA key: the header's alg is not the key's.
  t.equal(codeOf(() => verifySignatureToken(OPA.signedTokenHS256, rs)), 'BUNDLE_SIGNATURE_INVALID')
  // "invalid_token", "invalid_token_header_base64", "invalid_token_header_json", "bad_token_payload"
  for (const name of ['badToken', 'badTokenHeaderBase64', 'badTokenHeaderJSON', 'badTokenPayload'] as const) {
    t.equal(codeOf(() => verifySignatureToken(OPA[name], hsFoo({ scope: 'write' }))), 'BUNDLE_SIGNATURE_INVALID', name)
  }
})

t.test('alg none, exp, nbf and malformed .signatures.json', async (t) => {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const none = `${b64({ alg: 'none', kid: 'foo' })}.${b64({ files: [] })}.`
  t.equal(codeOf(() => verifySignatureToken(none, hsFoo())), 'BUNDLE_SIGNATURE_INVALID')
  const key = parseJwsKey('HS256', 'secret', 'sign')
  const tok = (claims: object) => signCompact('HS256', key, Buffer.from(JSON.stringify({ files: [], ...claims })), { kid: 'foo' })
  t.equal(codeOf(() => verifySignatureToken(tok({ exp: 1000 }), hsFoo())), 'BUNDLE_SIGNATURE_INVALID', 'expired')
  t.equal(codeOf(() => verifySignatureToken(tok({ nbf: Date.now() / 1000 + 3600 }), hsFoo())), 'BUNDLE_SIGNATURE_INVALID', 'not yet valid')
  t.equal(verifySignatureToken(tok({ exp: Date.now() / 1000 + 3600 }), hsFoo()).keyid, 'foo')
  t.equal(codeOf(() => verifySignatureToken(tok({ exp: 'soon' }), hsFoo())), 'BUNDLE_SIGNATURE_INVALID')
  for (const raw of ['nope', '[]', '{}', '{"signatures":[]}', '{"signatures":[1]}', `{"signatures":["${tok({})}","${tok({})}"]}`]) {
    t.equal(codeOf(() => verifyBundleSignature(Buffer.from(raw), [], hsFoo())), 'BUNDLE_SIGNATURE_INVALID', raw.slice(0, 30))
  }
  t.equal(codeOf(() => verifyBundleSignature(undefined, [], hsFoo())), 'BUNDLE_SIGNATURE_REQUIRED')
})

t.test('sign and verify every algorithm; file checks', async (t) => {
  const pairs: Record<string, { privateKey: string; publicKey: string }> = {}
  const rsa = rsaPair()
  for (const c of ['prime256v1', 'secp384r1', 'secp521r1']) pairs[c] = ecPair(c)
  const curveOf = (alg: JwsAlgorithm) => ({ ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' })[alg as 'ES256']
  const keysFor = (alg: JwsAlgorithm) =>
    alg.startsWith('HS') ? { priv: 'hmac-secret', pub: 'hmac-secret' } : alg.startsWith('ES') ? { priv: pairs[curveOf(alg)]!.privateKey, pub: pairs[curveOf(alg)]!.publicKey } : { priv: rsa.privateKey, pub: rsa.publicKey }
  const otherPublic = (alg: JwsAlgorithm) =>
    alg.startsWith('HS') ? 'another-secret' : alg.startsWith('ES') ? ecPair(curveOf(alg)).publicKey : rsaPair().publicKey
  const files = [
    { path: '.manifest', data: Buffer.from('{"revision":"r1","roots":["a"]}') },
    { path: 'a/data.json', data: Buffer.from('{"x": 1}') },
    { path: 'a/p.rego', data: Buffer.from('package a\n') },
  ]
  for (const alg of JWS_ALGORITHMS) {
    const k = keysFor(alg)
    const signer = createBundleSigner({ algorithm: alg, key: k.priv, keyid: 'k1', scope: 's' })
    const sig = signBundleFiles(files, signer)
    const config: VerificationConfig = { keys: { k1: { algorithm: alg, key: k.pub } }, scope: 's' }
    t.same(verifyBundleSignature(sig, files, config), { keyid: 'k1' }, alg)
    const token = JSON.parse(sig.toString()).signatures[0]
    t.notOk(verifyDecoded(decodeCompact(token), alg, parseJwsKey(alg, otherPublic(alg), 'verify')), `${alg}: another key fails`)
  }
  const signer = createBundleSigner({ algorithm: 'RS256', key: rsa.privateKey, keyid: 'k1' })
  const sig = signBundleFiles(files, signer)
  const config: VerificationConfig = { keys: { k1: { algorithm: 'RS256', key: rsa.publicKey } } }
  t.equal(codeOf(() => verifyBundleSignature(sig, [...files, { path: 'extra.txt', data: Buffer.from('x') }], config)), 'BUNDLE_SIGNATURE_MISMATCH', 'added file')
  t.equal(verifyBundleSignature(sig, [...files, { path: 'extra.txt', data: Buffer.from('x') }], { ...config, exclude_files: ['*.txt'] }).keyid, 'k1', 'excluded file')
  t.equal(codeOf(() => verifyBundleSignature(sig, files.slice(1), config)), 'BUNDLE_SIGNATURE_MISMATCH', 'removed file')
  t.equal(codeOf(() => verifyBundleSignature(sig, [files[0]!, { path: 'a/data.json', data: Buffer.from('{"x": 2}') }, files[2]!], config)), 'BUNDLE_SIGNATURE_MISMATCH', 'changed data')
  t.equal(verifyBundleSignature(sig, [files[0]!, { path: 'a/data.json', data: Buffer.from('{\n  "x":1\n}\n') }, files[2]!], config).keyid, 'k1', 'reformatted JSON is the same document')
  t.equal(codeOf(() => verifyBundleSignature(sig, [files[0]!, { path: 'a/data.json', data: Buffer.from('{"x": 1.0}') }, files[2]!], config)), 'BUNDLE_SIGNATURE_MISMATCH', '1.0 is not 1, as in Go')
  t.equal(codeOf(() => verifyBundleSignature(sig, files, { ...config, scope: 'other' })), 'BUNDLE_SIGNATURE_INVALID', 'scope')

  // Weak and unknown digest algorithms.
  const key = parseJwsKey('HS256', 'secret', 'sign')
  const withFiles = (alg: string) => Buffer.from(JSON.stringify({ signatures: [signCompact('HS256', key, Buffer.from(JSON.stringify({ files: [{ name: 'a.rego', hash: '00', algorithm: alg }] })), { kid: 'foo' })] }))
  const one = [{ path: 'a.rego', data: Buffer.from('package a') }]
  t.equal(codeOf(() => verifyBundleSignature(withFiles('MD5'), one, hsFoo())), 'BUNDLE_SIGNATURE_UNSUPPORTED')
  t.equal(codeOf(() => verifyBundleSignature(withFiles('MD6'), one, hsFoo())), 'BUNDLE_SIGNATURE_UNSUPPORTED')
  t.equal(codeOf(() => verifyBundleSignature(withFiles(''), one, hsFoo())), 'BUNDLE_SIGNATURE_MISMATCH')
  t.equal(BundleErrors.signatureMismatch('x').statusCode, 400)
})

t.test('exclude patterns follow filepath.Match', async (t) => {
  t.ok(globMatch('*.txt', 'a.txt'))
  t.notOk(globMatch('*.txt', 'dir/a.txt'), '* does not cross /')
  t.ok(globMatch('dir/*', 'dir/a.txt'))
  t.ok(globMatch('a?c', 'abc'))
  t.notOk(globMatch('a?c', 'a/c'))
  t.ok(globMatch('.manifest', '.manifest'))
  const start = Date.now()
  t.notOk(globMatch('*a'.repeat(100) + 'b', 'a'.repeat(256)))
  t.ok(Date.now() - start < 500, 'no exponential backtracking')
})
