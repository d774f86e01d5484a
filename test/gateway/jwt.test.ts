import t from 'tap'
import { createServer } from 'node:http'
import { generateKeyPairSync } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { ADMIN_KEY, JWT_SECRET, bearer, buildTestApp } from '../helpers/app.ts'
import { signAsymmetric, signHs256, unsigned } from '../helpers/jwt.ts'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
const exp = () => Math.floor(Date.now() / 1000) + 300

async function whoami(app: Awaited<ReturnType<typeof buildTestApp>>['app'], token: string) {
  return app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(token) })
}

t.test('HS256 with issuer and audience checks', async (t) => {
  const { app } = await buildTestApp(t, { DYAD_JWT_ISSUER: 'https://idp.example', DYAD_JWT_AUDIENCE: 'dyad' })
  const good = signHs256({ sub: 'u1', iss: 'https://idp.example', aud: 'dyad', exp: exp() }, JWT_SECRET)
  const res = await whoami(app, good)
  t.equal(res.statusCode, 200)
  t.match(res.json(), { subject: 'u1', via: 'jwt', platformAdmin: false })
  t.equal((await whoami(app, signHs256({ sub: 'u1', iss: 'https://evil', aud: 'dyad', exp: exp() }, JWT_SECRET))).statusCode, 401, 'wrong issuer')
  t.equal((await whoami(app, signHs256({ sub: 'u1', iss: 'https://idp.example', aud: 'other', exp: exp() }, JWT_SECRET))).statusCode, 401, 'wrong audience')
  t.equal((await whoami(app, signHs256({ sub: 'u1', iss: 'https://idp.example', aud: 'dyad', exp: 1000 }, JWT_SECRET))).statusCode, 401, 'expired')
  t.equal((await whoami(app, signHs256({ sub: 'u1', iss: 'https://idp.example', aud: 'dyad', exp: exp() }, 'x'.repeat(40)))).statusCode, 401, 'wrong secret')
  t.equal((await whoami(app, signHs256({ iss: 'https://idp.example', aud: 'dyad', exp: exp() }, JWT_SECRET))).statusCode, 401, 'no subject')
  t.equal((await whoami(app, signHs256({ sub: 'u1', iss: 'https://idp.example', aud: 'dyad' }, JWT_SECRET))).statusCode, 401, 'no expiry')
  t.equal((await whoami(app, unsigned({ sub: 'u1', iss: 'https://idp.example', aud: 'dyad', exp: exp() }))).statusCode, 401, 'alg none')
  t.equal((await whoami(app, 'not.a.jwt')).statusCode, 401)
})

t.test('RS256 with a configured public key; algorithm confusion is refused', async (t) => {
  const { app } = await buildTestApp(t, { DYAD_JWT_PUBLIC_KEY: rsaPem })
  t.equal((await whoami(app, signAsymmetric('RS256', { sub: 'r1', exp: exp() }, rsa.privateKey))).statusCode, 200)
  // An attacker who knows the public key signs HS256 with the PEM text as the HMAC secret.
  const confused = signHs256({ sub: 'admin', exp: exp() }, rsaPem)
  const res = await whoami(app, confused)
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'UNAUTHENTICATED')
  t.equal((await whoami(app, signAsymmetric('ES256', { sub: 'r1', exp: exp() }, ec.privateKey))).statusCode, 401, 'ES256 token against an RSA key')
})

t.test('ES256 keys from a JWKS URL, selected by kid', async (t) => {
  const jwks = { keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'ES256', use: 'sig' }] }
  const server = createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(jwks)))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
  const { app } = await buildTestApp(t, { DYAD_JWT_JWKS_URL: url, DYAD_JWT_SECRET: '' })
  t.equal((await whoami(app, signAsymmetric('ES256', { sub: 'e1', exp: exp() }, ec.privateKey, { kid: 'k1' }))).statusCode, 200)
  t.equal((await whoami(app, signAsymmetric('ES256', { sub: 'e1', exp: exp() }, ec.privateKey, { kid: 'unknown' }))).statusCode, 401)
  t.equal((await whoami(app, signHs256({ sub: 'e1', exp: exp() }, JWT_SECRET))).statusCode, 401, 'HS256 refused when no secret is configured')
  t.equal((await app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(ADMIN_KEY) })).statusCode, 200, 'API keys still work')
})
