/**
 * OPA's Config API per project: what applies to the project in OPA's configuration terms, with the
 * verification keys' material never shown (OPA removes `key` and `private_key` the same way).
 */
import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { ADMIN_KEY, bearer, buildTestApp } from '../../helpers/app.ts'
import { DYAD_VERSION } from '../../../src/shared/version.ts'

const admin = bearer(ADMIN_KEY)

t.test('GET /opa/v1/config: labels and default decision; keys without material once verification is set', async (t) => {
  const { app } = await buildTestApp(t)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'cfg', name: 'Config' } })
  const url = '/v1/projects/cfg/opa/v1/config'

  const plain = await app.inject({ method: 'GET', url, headers: admin })
  t.equal(plain.statusCode, 200, plain.body)
  t.strictSame(plain.json(), { result: { labels: { id: 'dc-test', version: DYAD_VERSION, project: 'cfg' }, default_decision: '/system/main' } })
  t.match(DYAD_VERSION, /^\d+\.\d+\.\d+/, "Dyad's version from package.json")

  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } })
  const put = await app.inject({
    method: 'PUT',
    url: '/v1/projects/cfg/bundles/verification',
    headers: admin,
    payload: { keys: { k1: { algorithm: 'RS256', key: publicKey, scope: 'write' }, h1: { algorithm: 'HS256', key: 'hmac-secret-value' } }, keyid: 'k1', exclude_files: ['*.md'] },
  })
  t.equal(put.statusCode, 200, put.body)
  const withKeys = await app.inject({ method: 'GET', url: `${url}?pretty`, headers: admin })
  t.equal(withKeys.statusCode, 200)
  t.match(withKeys.body, /^\{\n {2}"result"/, '?pretty indents')
  t.strictSame(withKeys.json().result.keys, { k1: { algorithm: 'RS256', scope: 'write' }, h1: { algorithm: 'HS256' } })
  t.strictSame(withKeys.json().result.bundles, { cfg: { signing: { keyid: 'k1', exclude_files: ['*.md'] } } })
  t.notMatch(withKeys.body, /hmac-secret-value|BEGIN PUBLIC KEY/, 'no key material')

  t.equal((await app.inject({ method: 'GET', url: '/v1/projects/nope/opa/v1/config', headers: admin })).json().code, 'PLATFORM_PROJECT_NOT_FOUND')
})
