import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createLocalSecrets } from '../../../src/infra/secrets/local.ts'
import { secretsContract } from '../../contracts/secrets.ts'

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dyad-secrets-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const hexKey = () => randomBytes(32).toString('hex')

await t.test('contract (generated key file)', async (t) => {
  const dir = await tempDir(t)
  await secretsContract(t, async () => {
    const store = createLocalSecrets({ file: join(dir, 'secrets.enc.json'), keyFile: join(dir, 'secrets.key') })
    return { store, cleanup: () => store.close() }
  })
})

await t.test('contract (configured key)', async (t) => {
  const dir = await tempDir(t)
  await secretsContract(t, async () => {
    const store = createLocalSecrets({ file: join(dir, 's.json'), key: hexKey(), keyFile: join(dir, 'unused.key') })
    return { store, cleanup: () => store.close() }
  })
})

await t.test('the file holds ciphertext only, with fresh IVs', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 's.json')
  const store = createLocalSecrets({ file, key: hexKey(), keyFile: join(dir, 'k') })
  const secret = `sk-${randomBytes(12).toString('hex')}`
  await store.put('providers/openai', { apiKey: secret })
  await store.put('providers/copy', { apiKey: secret })
  const text = await readFile(file, 'utf8')
  t.notOk(text.includes(secret), 'no plaintext on disk')
  t.notOk(text.includes(Buffer.from(secret).toString('base64')), 'not even base64-encoded')
  const doc = JSON.parse(text)
  t.not(doc.secrets['providers/openai'].iv, doc.secrets['providers/copy'].iv, 'every write has its own IV')
  t.not(doc.secrets['providers/openai'].data, doc.secrets['providers/copy'].data, 'equal values do not look equal')
  t.equal((await stat(file)).mode & 0o777, 0o600, 'the file is private')
})

await t.test('a wrong key fails clearly and never overwrites', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 's.json')
  const secret = `sk-${randomBytes(12).toString('hex')}`
  await createLocalSecrets({ file, key: hexKey(), keyFile: join(dir, 'k') }).put('a', { apiKey: secret })
  const before = await readFile(file, 'utf8')
  const wrong = createLocalSecrets({ file, key: hexKey(), keyFile: join(dir, 'k') })
  for (const [name, op] of [
    ['ping', () => wrong.ping()],
    ['get', () => wrong.get('a')],
    ['list', () => wrong.list('')],
    ['put', () => wrong.put('b', { x: 'y' })],
    ['delete', () => wrong.delete('a')],
  ] as const) {
    const err = await (op() as Promise<unknown>).then(() => undefined, (e: Error) => e)
    t.match(err, { code: 'SECRETS_KEY_MISMATCH', statusCode: 500 }, `${name} reports the key mismatch`)
    t.notOk(String(err?.message).includes(secret))
  }
  t.equal(await readFile(file, 'utf8'), before, 'the file is untouched')
})

await t.test('tampering is detected by the GCM tag', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 's.json')
  const key = hexKey()
  // A fresh instance per check: in-place edits are not how the file changes in service.
  const open = () => createLocalSecrets({ file, key, keyFile: join(dir, 'k') })
  const store = open()
  await store.put('a', { v: 'one' })
  await store.put('b', { v: 'two' })
  const doc = JSON.parse(await readFile(file, 'utf8'))
  await writeFile(file, JSON.stringify({ ...doc, secrets: { a: doc.secrets.b, b: doc.secrets.a } }))
  await t.rejects(open().get('a'), { code: 'SECRETS_KEY_MISMATCH' }, 'a ciphertext moved to another name does not open')
  const data = Buffer.from(doc.secrets.a.data, 'base64')
  data[0] ^= 1
  await writeFile(file, JSON.stringify({ ...doc, secrets: { ...doc.secrets, a: { ...doc.secrets.a, data: data.toString('base64') } } }))
  await t.rejects(open().get('a'), { code: 'SECRETS_KEY_MISMATCH' }, 'a flipped bit does not open')
  t.strictSame(await open().get('b'), { v: 'two' }, 'untouched entries still open')
  await writeFile(file, '{ not json')
  await t.rejects(open().get('b'), { code: 'SECRETS_FILE_CORRUPT' })
  await writeFile(file, JSON.stringify({ version: 2, secrets: {} }))
  await t.rejects(open().ping(), { code: 'SECRETS_FILE_CORRUPT' }, 'an unknown format version is refused')
})

await t.test('the key file is generated once with mode 0600 and reused', async (t) => {
  const dir = await tempDir(t)
  const keyFile = join(dir, 'nested', 'secrets.key')
  const file = join(dir, 'nested', 's.json')
  const first = createLocalSecrets({ file, keyFile })
  await first.put('a', { v: '1' })
  t.equal((await stat(keyFile)).mode & 0o777, 0o600, 'the key file is private')
  const key = await readFile(keyFile, 'utf8')
  t.match(key.trim(), /^[0-9a-f]{64}$/)
  const reopened = createLocalSecrets({ file, keyFile })
  t.strictSame(await reopened.get('a'), { v: '1' }, 'a new instance reads with the same key')
  t.equal(await readFile(keyFile, 'utf8'), key, 'the key file is not rewritten')
  const same = createLocalSecrets({ file, key: key.trim(), keyFile: join(dir, 'other.key') })
  t.strictSame(await same.get('a'), { v: '1' }, 'the generated key works when configured explicitly')
})

await t.test('a missing key file is never silently replaced', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 's.json')
  const keyFile = join(dir, 'secrets.key')
  await createLocalSecrets({ file, keyFile }).put('a', { v: '1' })
  await rm(keyFile)
  await t.rejects(createLocalSecrets({ file, keyFile }).get('a'), { code: 'SECRETS_KEY_MISSING', statusCode: 500 })
  t.strictSame(await readdir(dir), ['s.json'], 'no new key was generated next to existing secrets')
})

await t.test('configured keys: hex and base64 are the same key; others are refused', async (t) => {
  const dir = await tempDir(t)
  const raw = randomBytes(32)
  const file = join(dir, 's.json')
  await createLocalSecrets({ file, key: raw.toString('hex'), keyFile: join(dir, 'k') }).put('a', { v: 'x' })
  for (const key of [raw.toString('base64'), raw.toString('base64url'), raw.toString('hex').toUpperCase()]) {
    t.strictSame(await createLocalSecrets({ file, key, keyFile: join(dir, 'k') }).get('a'), { v: 'x' }, key)
  }
  for (const key of ['', 'short', randomBytes(31).toString('hex'), randomBytes(33).toString('base64'), 'g'.repeat(64)]) {
    await t.rejects(createLocalSecrets({ file, key, keyFile: join(dir, 'k') }).ping(), { code: 'SECRETS_INVALID_KEY' }, JSON.stringify(key))
  }
})

await t.test('concurrent writes are serialised and atomic', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 's.json')
  const store = createLocalSecrets({ file, key: hexKey(), keyFile: join(dir, 'k') })
  await Promise.all(Array.from({ length: 40 }, (_, i) => store.put(`bulk/${i}`, { i: String(i) })))
  await Promise.all([store.delete('bulk/0'), store.put('bulk/0b', { i: '0b' }), store.delete('bulk/1')])
  const names = await store.list('bulk/')
  t.equal(names.length, 39, 'no write was lost')
  t.strictSame(await readdir(dir), ['s.json'], 'no temporary files are left behind')
  await store.close()
})

await t.test('a change made by another instance is seen', async (t) => {
  const dir = await tempDir(t)
  const file = join(dir, 's.json')
  const key = hexKey()
  const a = createLocalSecrets({ file, key, keyFile: join(dir, 'k') })
  const b = createLocalSecrets({ file, key, keyFile: join(dir, 'k') })
  await a.put('x', { v: '1' })
  t.strictSame(await a.get('x'), { v: '1' })
  t.strictSame(await b.get('x'), { v: '1' })
  await b.put('x', { v: '2' })
  // The rename gave the file a new inode while a still holds the old one in its cache.
  t.strictSame(await a.get('x'), { v: '2' }, 'a cached reader re-reads a replaced file')
})
