import t from 'tap'
import { call, callErr, callV, ctx } from './helpers.ts'
import { str } from '../../../../../plugins/policy/rego/value.ts'

t.test('hashes and HMACs', async (t) => {
  t.equal(call('crypto.md5', 'x'), '9dd4e461268c8034f5c8564e155c67a6')
  t.equal(call('crypto.sha256', ''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  t.equal(call('crypto.hmac.sha256', 'msg', 'key'), '2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628')
  t.equal(call('crypto.hmac.equal', 'abc', 'abc'), true)
  t.equal(call('crypto.hmac.equal', 'abc', 'abd'), false)
})

t.test('x509 input errors', async (t) => {
  t.equal(callErr('crypto.x509.parse_certificates', 'bm90IGEgY2VydA=='), 'eval_builtin_error: crypto.x509.parse_certificates: x509: malformed certificate')
  t.match(callErr('crypto.x509.parse_certificates', 'not base64!'), /illegal base64 data/)
  t.match(callErr('crypto.x509.parse_certificate_request', 'bm90IGEgY3Ny'), /asn1: structure error/)
})

t.test('uuid', async (t) => {
  const c = ctx()
  const a = callV('uuid.rfc4122', [str('k')], c)
  t.same(callV('uuid.rfc4122', [str('k')], c), a)
  t.same(call('uuid.parse', '000003e8-48b9-21ee-b200-325096b39f47'), {
    clocksequence: 12800, domain: 'Person', id: 1000, macvariables: 'local:unicast', nodeid: '32-50-96-b3-9f-47',
    time: 1693566990121469600n, variant: 'RFC4122', version: 2,
  })
  t.equal(call('uuid.parse', '123'), undefined)
  t.equal(call('semver.compare', '1.0.0', '1.0.0-rc.1'), 1)
  t.equal(callErr('semver.compare', '1', '1.0.0'), 'eval_builtin_error: semver.compare: operand 1: string "1" is not a valid SemVer')
})

t.test('providers.aws.sign_req signs with SigV4', async (t) => {
  const cfg = { aws_access_key: 'MYAWSACCESSKEYGOESHERE', aws_secret_access_key: 'MYAWSSECRETACCESSKEYGOESHERE', aws_service: 's3', aws_region: 'us-east-1' }
  const out = call('providers.aws.sign_req', { method: 'get', url: 'http://example.com' }, cfg, 1451311705000000000n) as { headers: Record<string, string> }
  t.match(out.headers.Authorization, /Signature=0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3$/)
  t.equal(callErr('providers.aws.sign_req', {}, cfg, 0), 'eval_type_error: providers.aws.sign_req: operand 1 missing required request parameters(s): {"method", "url"}')
})
