import t from 'tap'
import { loadConfig, ConfigError } from '../../src/config/load.ts'

/** The setting a ConfigError names, or undefined when loading succeeded. */
function failingSetting(env: Record<string, string>): string | undefined {
  try {
    loadConfig(env)
    return undefined
  } catch (err) {
    if (err instanceof ConfigError) return err.setting
    throw err
  }
}

t.test('defaults give the embedded profile', async (t) => {
  const c = loadConfig({}, '/srv/dyad')
  t.equal(c.dc, 'dc1')
  t.equal(c.port, 8080)
  t.same(c.sql, { kind: 'embedded', dataDir: '/srv/dyad/data/pglite' })
  t.same(c.kv, { kind: 'embedded' })
  t.equal(c.secrets.kind, 'local')
})

t.test('production adapters are chosen by configuration', async (t) => {
  const c = loadConfig({ DYAD_KV: 'etcd', DYAD_ETCD_ENDPOINTS: 'http://a:2379, http://b:2379', DYAD_SQL: 'postgres', DYAD_POSTGRES_URL: 'postgres://u:p@db/dyad' })
  t.same(c.kv, { kind: 'etcd', endpoints: ['http://a:2379', 'http://b:2379'], namespace: 'dyad/' })
  t.same(c.sql, { kind: 'postgres', url: 'postgres://u:p@db/dyad', poolSize: 10 })
})

t.test('invalid values name the setting', async (t) => {
  t.equal(failingSetting({ DYAD_PORT: 'abc' }), 'DYAD_PORT')
  t.equal(failingSetting({ DYAD_PORT: '70000' }), 'DYAD_PORT')
  t.equal(failingSetting({ DYAD_KV: 'redis' }), 'DYAD_KV')
  t.equal(failingSetting({ DYAD_KV: 'etcd' }), 'DYAD_ETCD_ENDPOINTS')
  t.equal(failingSetting({ DYAD_SQL: 'postgres' }), 'DYAD_POSTGRES_URL')
  t.equal(failingSetting({ DYAD_APPDATA_STORE: 'cosmos', DYAD_COSMOS_ENDPOINT: 'https://x' }), 'DYAD_COSMOS_KEY')
  t.equal(failingSetting({ DYAD_JWT_SECRET: 'short' }), 'DYAD_JWT_SECRET')
  t.equal(failingSetting({ DYAD_JWT_ALGORITHMS: 'none' }), 'DYAD_JWT_ALGORITHMS')
  t.equal(failingSetting({ DYAD_CONFIG_FILE: '/nonexistent.json' }), 'DYAD_CONFIG_FILE')
  t.equal(failingSetting({ DYAD_BOOTSTRAP_ADMIN_KEY: 'nope' }), 'DYAD_BOOTSTRAP_ADMIN_KEY')
  try {
    loadConfig({ DYAD_JWT_SECRET: 'short-secret-value' })
    t.fail('expected a ConfigError')
  } catch (err) {
    t.notMatch((err as Error).message, /short-secret-value/, 'a secret value is never echoed')
  }
})
