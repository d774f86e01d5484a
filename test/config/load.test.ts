import t from 'tap'
import { loadConfig, ConfigError } from '../../src/config/load.ts'

t.test('defaults give the embedded profile', async (t) => {
  const c = loadConfig({}, '/srv/dyad')
  t.equal(c.dc, 'dc1')
  t.equal(c.port, 8080)
  t.same(c.sql, { kind: 'embedded', dataDir: '/srv/dyad/data/pglite' })
  t.same(c.kv, { kind: 'embedded' })
  t.equal(c.secrets.kind, 'local')
})

t.test('invalid values name the setting', async (t) => {
  t.throws(() => loadConfig({ DYAD_PORT: 'abc' }), { name: 'ConfigError', setting: 'DYAD_PORT' })
  t.throws(() => loadConfig({ DYAD_KV: 'redis' }), { setting: 'DYAD_KV', message: /one of embedded, etcd/ })
  t.throws(() => loadConfig({ DYAD_KV: 'etcd' }), { setting: 'DYAD_ETCD_ENDPOINTS' })
  t.throws(() => loadConfig({ DYAD_SQL: 'postgres' }), { setting: 'DYAD_POSTGRES_URL' })
  t.throws(() => loadConfig({ DYAD_JWT_SECRET: 'short' }), { setting: 'DYAD_JWT_SECRET' })
  try {
    loadConfig({ DYAD_JWT_SECRET: 'short' })
    t.fail('expected a ConfigError')
  } catch (err) {
    t.notMatch((err as Error).message, /short/, 'a secret value is never echoed')
  }
  t.throws(() => loadConfig({ DYAD_PORT: '70000' }), { setting: 'DYAD_PORT' })
  t.throws(() => loadConfig({ DYAD_CONFIG_FILE: '/nonexistent.json' }), { setting: 'DYAD_CONFIG_FILE' })
  t.ok(new ConfigError('X', 'y').message.includes('X'))
})
