import { generateKeyPairSync } from 'node:crypto'
import t from 'tap'
import { num, obj, str } from '../../../../../plugins/policy/rego/value.ts'
import { call, callErr } from './helpers.ts'

const hsKey = { kty: 'oct', k: Buffer.from('secret').toString('base64url') }

t.test('encode_sign / decode / verify round trips for every family', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const ed = generateKeyPairSync('ed25519')
  const cases: Array<[string, object, string]> = [
    ['HS256', hsKey, 'secret'],
    ['RS256', rsa.privateKey.export({ format: 'jwk' }), rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string],
    ['PS384', rsa.privateKey.export({ format: 'jwk' }), JSON.stringify(rsa.publicKey.export({ format: 'jwk' }))],
    ['ES256', ec.privateKey.export({ format: 'jwk' }), ec.publicKey.export({ format: 'pem', type: 'spki' }) as string],
    ['EdDSA', ed.privateKey.export({ format: 'jwk' }), ed.publicKey.export({ format: 'pem', type: 'spki' }) as string],
  ]
  for (const [alg, priv, pub] of cases) {
    const token = call('io.jwt.encode_sign', { alg, typ: 'JWT' }, { iss: 'opa', n: 1 }, priv) as string
    const [header, payload] = call('io.jwt.decode', token) as unknown[]
    t.same(header, { alg, typ: 'JWT' }, alg)
    t.same(payload, { iss: 'opa', n: 1 }, alg)
    t.equal(call(`io.jwt.verify_${alg.toLowerCase()}`, token, pub), true, alg)
    const constraint = alg === 'HS256' ? { secret: pub } : { cert: pub }
    t.same(call('io.jwt.decode_verify', token, { ...constraint, iss: 'opa' }), [true, { alg, typ: 'JWT' }, { iss: 'opa', n: 1 }], alg)
    t.same(call('io.jwt.decode_verify', token, { ...constraint, iss: 'other' }), [false, {}, {}], alg)
  }
})

t.test('decode_verify time and audience constraints', async (t) => {
  const token = call('io.jwt.encode_sign', { alg: 'HS256' }, { nbf: 1000, exp: 3000, aud: ['a', 'b'] }, hsKey) as string
  const at = (s: number) => num(BigInt(s) * 1_000_000_000n)
  t.equal((call('io.jwt.decode_verify', token, obj([[str('secret'), str('secret')], [str('time'), at(2000)], [str('aud'), str('b')]])) as unknown[])[0], true)
  t.equal((call('io.jwt.decode_verify', token, obj([[str('secret'), str('secret')], [str('time'), at(3000)], [str('aud'), str('b')]])) as unknown[])[0], false)
  t.equal((call('io.jwt.decode_verify', token, obj([[str('secret'), str('secret')], [str('time'), at(999)], [str('aud'), str('b')]])) as unknown[])[0], false)
  t.equal((call('io.jwt.decode_verify', token, obj([[str('secret'), str('secret')], [str('time'), at(2000)]])) as unknown[])[0], false)
  const bad = call('io.jwt.encode_sign', { alg: 'HS256' }, { exp: 'soon' }, hsKey) as string
  t.equal(callErr('io.jwt.decode_verify', bad, { secret: 'secret' }), 'eval_builtin_error: io.jwt.decode_verify: exp value must be a number')
})

t.test('errors use OPA phrasing', async (t) => {
  t.equal(callErr('io.jwt.decode', 'abc'), 'eval_builtin_error: io.jwt.decode: encoded JWT had no period separators')
  t.equal(callErr('io.jwt.decode', 'a.b'), 'eval_builtin_error: io.jwt.decode: encoded JWT must have 3 sections, found 2')
  t.match(callErr('io.jwt.decode', 'eyJhbGciOiJIU^%.e30.'), /JWT header had invalid encoding: illegal base64 data at input byte 13/)
  t.equal(callErr('io.jwt.encode_sign_raw', '{"alg":"dummy"}', '{}', JSON.stringify(hsKey)), 'eval_builtin_error: io.jwt.encode_sign_raw: unknown JWS algorithm: dummy')
  t.equal(callErr('io.jwt.encode_sign_raw', '{}', '{}', JSON.stringify(hsKey)), `eval_builtin_error: io.jwt.encode_sign_raw: missing or invalid 'alg' header: jwsbb: header "alg" not found`)
  t.equal(callErr('io.jwt.encode_sign_raw', '{"typ":"JWT","alg":"HS256"}', '{bad', JSON.stringify(hsKey)), 'eval_builtin_error: io.jwt.encode_sign_raw: type is JWT but payload is not JSON')
  t.equal(callErr('io.jwt.verify_rs256', 'a.b.c', '{'), 'eval_builtin_error: io.jwt.verify_rs256: failed to parse a JWK key (set)')
  t.equal(callErr('io.jwt.verify_rs256', 'a.b.c', '-----BEGIN CERT-----\nAAAA\n-----END CERT-----'), 'eval_builtin_error: io.jwt.verify_rs256: failed to extract a Key from the PEM certificate')
})

t.test('library failures surface as eval_builtin_error', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
  t.match(callErr('io.jwt.encode_sign', { alg: 'ES256' }, {}, rsa.privateKey.export({ format: 'jwk' })), /^eval_builtin_error: io\.jwt\.encode_sign: /)
})
