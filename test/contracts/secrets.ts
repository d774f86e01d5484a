/**
 * The one contract every SecretsStore adapter must pass (local encrypted file; Vault KV v2 when
 * VAULT_ADDR/VAULT_TOKEN are set). The store is made once; each subtest works under its own random
 * folder so that listings are exact even on a shared Vault.
 */
import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { SecretValue, SecretsStore } from '../../src/infra/ports/secrets.ts'

export interface SecretsHarness {
  store: SecretsStore
  /** Closes the store and removes whatever the harness wrote. */
  cleanup: () => Promise<void>
}
export type MakeSecretsStore = () => Promise<SecretsHarness>

const folder = () => `t${randomBytes(5).toString('hex')}/`

/** A value no error message may ever contain. */
const marker = () => `SECRET-${randomBytes(8).toString('hex')}`

/** The error `promise` rejects with, checked to mention no secret value anywhere a logger might look. */
async function rejection(t: Test, promise: Promise<unknown>, code: string, secret: string): Promise<void> {
  let err: unknown
  try {
    await promise
  } catch (e) {
    err = e
  }
  t.match(err, { code }, `rejects with ${code}`)
  const e = err as Error & { details?: unknown }
  const surfaces = [e?.message, e?.stack, JSON.stringify(e), JSON.stringify(e?.details ?? null), String(e)]
  t.notOk(surfaces.some((s) => typeof s === 'string' && s.includes(secret)), 'the value appears nowhere in the error')
}

export async function secretsContract(t: Test, makeStore: MakeSecretsStore): Promise<void> {
  const { store, cleanup } = await makeStore()
  t.teardown(cleanup)

  await t.test('reports its kind and is reachable', async (t) => {
    t.ok(store.kind === 'local' || store.kind === 'vault')
    await t.resolves(store.ping())
  })

  await t.test('put, get, overwrite, delete', async (t) => {
    const p = `${folder()}providers/openai`
    t.equal(await store.get(p), undefined, 'absent before the first put')
    await store.put(p, { apiKey: 'sk-one', org: 'org-1' })
    t.strictSame(await store.get(p), { apiKey: 'sk-one', org: 'org-1' })
    await store.put(p, { apiKey: 'sk-two' })
    t.strictSame(await store.get(p), { apiKey: 'sk-two' }, 'put replaces the whole value, no merge')
    t.equal(await store.delete(p), true)
    t.equal(await store.get(p), undefined)
    t.equal(await store.delete(p), false, 'deleting again reports nothing deleted')
    await store.put(p, { apiKey: 'sk-three' })
    t.strictSame(await store.get(p), { apiKey: 'sk-three' }, 'a deleted path can be written again')
    await store.delete(p)
  })

  await t.test('values round-trip exactly', async (t) => {
    const p = `${folder()}odd-values`
    const value: SecretValue = {
      empty: '',
      unicode: 'pässwörd 秘密 🔐 e\u0301',
      multiline: '-----BEGIN KEY-----\nabc+/=\n-----END KEY-----\n',
      quotes: `"'\\`,
      long: 'x'.repeat(10_000),
    }
    await store.put(p, value)
    t.strictSame(await store.get(p), value)
    await store.put(`${p}-none`, {})
    t.strictSame(await store.get(`${p}-none`), {}, 'an empty value is a value')
  })

  await t.test('nested paths and list by prefix (names only)', async (t) => {
    const f = folder()
    const secret = marker()
    const names = [`${f}a/b/c`, `${f}a/b/d`, `${f}a/e`, `${f}ab/x`, `${f}f`]
    for (const n of names) await store.put(n, { v: `${secret}:${n}` })
    t.strictSame(await store.list(f), names, 'everything under the folder, nested included, sorted')
    t.strictSame(await store.list(`${f}a/`), [`${f}a/b/c`, `${f}a/b/d`, `${f}a/e`], 'a folder prefix')
    t.strictSame(await store.list(`${f}a`), [`${f}a/b/c`, `${f}a/b/d`, `${f}a/e`, `${f}ab/x`], 'a prefix is a string prefix')
    t.strictSame(await store.list(`${f}a/b/c`), [`${f}a/b/c`], 'a full name lists itself')
    t.strictSame(await store.list(`${f}nothing/`), [], 'an unknown folder is empty, not an error')
    const everything = await store.list('')
    t.ok(names.every((n) => everything.includes(n)), 'the empty prefix lists everything')
    const listed = await store.list(f)
    t.ok(listed.every((n) => typeof n === 'string'), 'names are strings')
    t.notOk(JSON.stringify(listed).includes(secret), 'no value is listed')
    await store.delete(`${f}a/b/c`)
    t.strictSame(await store.list(`${f}a/`), [`${f}a/b/d`, `${f}a/e`], 'deleted names disappear')
    for (const n of names) await store.delete(n)
    t.strictSame(await store.list(f), [])
  })

  await t.test('names that look like object internals are ordinary names', async (t) => {
    const f = folder()
    for (const n of ['__proto__', 'constructor', 'toString']) {
      t.equal(await store.get(`${f}${n}`), undefined, `${n} is absent before a put`)
      await store.put(`${f}${n}`, { n })
      t.strictSame(await store.get(`${f}${n}`), { n })
    }
    t.strictSame(await store.list(f), [`${f}__proto__`, `${f}constructor`, `${f}toString`])
    t.equal(await store.get('constructor'), undefined)
  })

  await t.test('invalid paths are rejected', async (t) => {
    const bad = ['', '/leading', 'trailing/', 'a//b', '../etc/passwd', 'a/../b', 'a/./b', '.', 'a..b', 'sp ace', 'semi;colon', 'q?x', 'h#x', 'ünï', 'back\\slash', 'nul\0', 'x'.repeat(257)]
    for (const p of bad) {
      const label = JSON.stringify(p.length > 20 ? `${p.slice(0, 10)}...(${p.length})` : p)
      await t.rejects(store.get(p), { code: 'SECRETS_INVALID_PATH', statusCode: 400 }, `get ${label}`)
      await t.rejects(store.put(p, { k: 'v' }), { code: 'SECRETS_INVALID_PATH' }, `put ${label}`)
      await t.rejects(store.delete(p), { code: 'SECRETS_INVALID_PATH' }, `delete ${label}`)
    }
    await t.resolves(store.get('x'.repeat(256)), 'the maximum length is allowed')
    for (const prefix of ['../', '/x', 'a//', 'sp ace', 'a/../']) {
      await t.rejects(store.list(prefix), { code: 'SECRETS_INVALID_PATH' }, `list ${JSON.stringify(prefix)}`)
    }
    await t.rejects(store.get(42 as unknown as string), { code: 'SECRETS_INVALID_PATH' }, 'non-strings too')
  })

  await t.test('invalid values are rejected', async (t) => {
    const p = `${folder()}v`
    const bad: unknown[] = [null, 'plain string', ['a'], { n: 1 }, { nested: { a: 'b' } }, { ok: 'x', bad: null }, new Date()]
    for (const value of bad) {
      await t.rejects(store.put(p, value as SecretValue), { code: 'SECRETS_INVALID_VALUE', statusCode: 400 }, `value ${Object.prototype.toString.call(value)}`)
    }
    t.equal(await store.get(p), undefined, 'nothing was written')
  })

  await t.test('values never appear in thrown errors', async (t) => {
    const secret = marker()
    await rejection(t, store.put('../escape', { apiKey: secret }), 'SECRETS_INVALID_PATH', secret)
    await rejection(t, store.put(`${folder()}x`, { apiKey: secret, n: 5 as unknown as string }), 'SECRETS_INVALID_VALUE', secret)
    await rejection(t, store.put(secret, { apiKey: 'x' }).then(() => store.get(`${secret}/../x`)), 'SECRETS_INVALID_PATH', secret)
    await store.delete(secret)
  })
}
