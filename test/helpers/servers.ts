/**
 * Where the tests find real servers. `deploy/test/run-all.sh` (the README's test command) starts
 * throwaway etcd, Postgres 15 + pgvector and the Cosmos emulator on free loopback ports and exports
 * their addresses in these variables. It also sets DYAD_TEST_REQUIRE_SERVERS=1, which turns a missing
 * server into a failing test instead of a skip, so the full run can never pass by skipping.
 *
 * For a development shell, start the same servers once and keep them:
 *   bash deploy/test/servers.sh start && source .dyad-ci/dev/env   (stop: bash deploy/test/servers.sh stop)
 *
 * MongoDB and Vault cannot run on this machine: their contract tests run when MONGODB_URI /
 * VAULT_ADDR (+ VAULT_TOKEN) are set and are reported as skipped otherwise.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface ServerSkip {
  skip: string
}

const required = () => process.env.DYAD_TEST_REQUIRE_SERVERS === '1'

function missing(name: string, variable: string): ServerSkip {
  const msg = `${name} not configured: set ${variable} (deploy/test/run-all.sh does)`
  if (required()) throw new Error(`${msg}; DYAD_TEST_REQUIRE_SERVERS=1 forbids skipping`)
  return { skip: msg }
}

/** A short random suffix for per-test databases, key prefixes and containers. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`
}

export function etcdEndpoints(): string[] | ServerSkip {
  const v = process.env.DYAD_TEST_ETCD_ENDPOINTS
  return v ? v.split(',') : missing('etcd', 'DYAD_TEST_ETCD_ENDPOINTS')
}

/**
 * Creates a fresh, empty database on the test Postgres server (with pgvector available) and returns
 * its URL plus a function that drops it. Each test file gets its own database, so files can run in
 * parallel.
 */
export async function freshPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> } | ServerSkip> {
  const admin = process.env.DYAD_TEST_POSTGRES_URL
  if (!admin) return missing('Postgres', 'DYAD_TEST_POSTGRES_URL')
  const name = uniqueName('dyad_test')
  const client = new pg.Client({ connectionString: admin })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}

export function cosmosEmulator(): { endpoint: string; key: string } | ServerSkip {
  const endpoint = process.env.DYAD_TEST_COSMOS_ENDPOINT
  if (!endpoint) return missing('Cosmos DB emulator', 'DYAD_TEST_COSMOS_ENDPOINT')
  // @vercel/cosmosdb-server accepts any key; this is the emulator's well-known public key.
  const key =
    process.env.DYAD_TEST_COSMOS_KEY ??
    'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=='
  return { endpoint, key }
}

/** MongoDB and Vault: optional, never required here (no server can be installed on this machine). */
export function mongoUri(): string | ServerSkip {
  return process.env.MONGODB_URI ?? { skip: 'MONGODB_URI not set: MongoDB contract not run against a live server' }
}

export function vaultServer(): { addr: string; token: string } | ServerSkip {
  const addr = process.env.VAULT_ADDR
  const token = process.env.VAULT_TOKEN
  if (!addr || !token) return { skip: 'VAULT_ADDR/VAULT_TOKEN not set: Vault contract not run against a live server' }
  return { addr, token }
}

export function isSkip(v: unknown): v is ServerSkip {
  return typeof v === 'object' && v !== null && 'skip' in v
}
