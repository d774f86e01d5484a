import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { SETTINGS, type Setting } from './settings.ts'
import type { DyadConfig } from './types.ts'

/** Thrown for invalid configuration; `server.ts` prints it and exits non-zero. */
export class ConfigError extends Error {
  readonly setting: string
  constructor(setting: string, message: string) {
    super(`Invalid configuration: ${setting}: ${message}`)
    this.name = 'ConfigError'
    this.setting = setting
  }
}

type Raw = Record<string, string | undefined>

function readFile(path: string): Raw {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError('DYAD_CONFIG_FILE', `cannot read ${path}: ${(err as Error).message}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ConfigError('DYAD_CONFIG_FILE', `${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('DYAD_CONFIG_FILE', `${path} must hold a JSON object of settings`)
  }
  const known = new Set<string>(SETTINGS.map((s) => s.env))
  const out: Raw = {}
  for (const [k, v] of Object.entries(parsed)) {
    if (!known.has(k)) throw new ConfigError(k, `unknown setting in ${path}`)
    if (v === null || v === undefined) continue
    out[k] = Array.isArray(v) ? v.join(',') : String(v)
  }
  return out
}

function parseValue(s: Setting, raw: string): string | number | boolean | string[] {
  const bad = (why: string) => new ConfigError(s.env, s.secret ? why : `${why} (got ${JSON.stringify(raw)})`)
  if (s.enum && !s.enum.includes(raw)) throw bad(`must be one of ${s.enum.join(', ')}`)
  switch (s.type) {
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) throw bad('must be an integer')
      const n = Number(raw)
      if (!Number.isSafeInteger(n) || n < 0) throw bad('must be a non-negative integer')
      return n
    }
    case 'boolean':
      if (/^(true|1|yes)$/i.test(raw)) return true
      if (/^(false|0|no)$/i.test(raw)) return false
      throw bad('must be true or false')
    case 'url':
      try {
        new URL(raw)
      } catch {
        throw bad('must be a URL')
      }
      return raw
    case 'list':
      return raw.split(',').map((x) => x.trim()).filter(Boolean)
    default:
      return raw
  }
}

function require(values: Record<string, unknown>, env: string, because: string) {
  if (values[env] === undefined || values[env] === '') throw new ConfigError(env, `is required when ${because}`)
}

/**
 * The only place that reads configuration. Environment variables win over the optional JSON file;
 * every value is validated against SETTINGS, and cross-setting requirements (an adapter's address)
 * are checked here so a misconfigured process stops at start, naming the setting.
 */
export function loadConfig(env: Raw = process.env, cwd = process.cwd()): DyadConfig {
  const file = env.DYAD_CONFIG_FILE ? readFile(resolve(cwd, env.DYAD_CONFIG_FILE)) : {}
  const values: Record<string, unknown> = {}
  for (const s of SETTINGS as readonly Setting[]) {
    const raw = env[s.env] ?? file[s.env] ?? s.default
    if (raw === undefined || raw === '') continue
    values[s.env] = parseValue(s, raw)
  }
  const v = values as Record<string, any>

  if (v.DYAD_SQL === 'postgres') require(v, 'DYAD_POSTGRES_URL', 'DYAD_SQL=postgres')
  if (v.DYAD_KV === 'etcd') require(v, 'DYAD_ETCD_ENDPOINTS', 'DYAD_KV=etcd')
  if (v.DYAD_PLATFORM_STORE === 'mongodb') require(v, 'DYAD_MONGODB_URI', 'DYAD_PLATFORM_STORE=mongodb')
  if (v.DYAD_APPDATA_STORE === 'cosmos') {
    require(v, 'DYAD_COSMOS_ENDPOINT', 'DYAD_APPDATA_STORE=cosmos')
    require(v, 'DYAD_COSMOS_KEY', 'DYAD_APPDATA_STORE=cosmos')
  }
  if (v.DYAD_SECRETS === 'vault') {
    require(v, 'DYAD_VAULT_ADDR', 'DYAD_SECRETS=vault')
    require(v, 'DYAD_VAULT_TOKEN', 'DYAD_SECRETS=vault')
  }
  if (v.DYAD_JWT_SECRET !== undefined && String(v.DYAD_JWT_SECRET).length < 32) {
    throw new ConfigError('DYAD_JWT_SECRET', 'must be at least 32 characters')
  }
  if (v.DYAD_PORT > 65535) throw new ConfigError('DYAD_PORT', 'must be at most 65535')
  const algs: string[] = v.DYAD_JWT_ALGORITHMS
  for (const a of algs) {
    if (!['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'].includes(a)) {
      throw new ConfigError('DYAD_JWT_ALGORITHMS', `unsupported algorithm ${a}`)
    }
  }
  if (v.DYAD_BOOTSTRAP_ADMIN_KEY !== undefined && !/^dyad_[a-z0-9]{8,64}_[A-Za-z0-9_-]{16,128}$/.test(v.DYAD_BOOTSTRAP_ADMIN_KEY)) {
    throw new ConfigError('DYAD_BOOTSTRAP_ADMIN_KEY', 'must look like dyad_<id>_<secret> (id: lowercase letters/digits, 8+; secret: 16+)')
  }

  const dataDir = resolve(cwd, v.DYAD_DATA_DIR)
  return {
    dc: v.DYAD_DC,
    host: v.DYAD_HOST,
    port: v.DYAD_PORT,
    dataDir,
    logLevel: v.DYAD_LOG_LEVEL,
    bodyLimit: v.DYAD_BODY_LIMIT,
    shutdownGraceMs: v.DYAD_SHUTDOWN_GRACE_MS,
    sql:
      v.DYAD_SQL === 'postgres'
        ? { kind: 'postgres', url: v.DYAD_POSTGRES_URL, poolSize: v.DYAD_POSTGRES_POOL_SIZE }
        : { kind: 'embedded', dataDir: resolve(dataDir, 'pglite') },
    kv: v.DYAD_KV === 'etcd' ? { kind: 'etcd', endpoints: v.DYAD_ETCD_ENDPOINTS, namespace: v.DYAD_ETCD_NAMESPACE } : { kind: 'embedded' },
    platformStore:
      v.DYAD_PLATFORM_STORE === 'mongodb'
        ? { kind: 'mongodb', uri: v.DYAD_MONGODB_URI, database: v.DYAD_MONGODB_DATABASE }
        : { kind: 'postgres' },
    appDataStore:
      v.DYAD_APPDATA_STORE === 'cosmos'
        ? {
            kind: 'cosmos',
            endpoint: v.DYAD_COSMOS_ENDPOINT,
            key: v.DYAD_COSMOS_KEY,
            database: v.DYAD_COSMOS_DATABASE,
            allowSelfSigned: v.DYAD_COSMOS_ALLOW_SELF_SIGNED,
          }
        : { kind: 'postgres' },
    secrets:
      v.DYAD_SECRETS === 'vault'
        ? { kind: 'vault', addr: v.DYAD_VAULT_ADDR, token: v.DYAD_VAULT_TOKEN, mount: v.DYAD_VAULT_MOUNT, prefix: v.DYAD_VAULT_PREFIX }
        : { kind: 'local', file: resolve(dataDir, 'secrets.enc.json'), key: v.DYAD_SECRETS_KEY, keyFile: resolve(dataDir, 'secrets.key') },
    jwt: {
      secret: v.DYAD_JWT_SECRET,
      publicKey: v.DYAD_JWT_PUBLIC_KEY,
      jwksUrl: v.DYAD_JWT_JWKS_URL,
      algorithms: algs,
      issuer: v.DYAD_JWT_ISSUER,
      audience: v.DYAD_JWT_AUDIENCE,
    },
    bootstrapAdminKey: v.DYAD_BOOTSTRAP_ADMIN_KEY,
    rateLimitPerMinute: v.DYAD_RATE_LIMIT_PER_MINUTE,
    policy: {
      timeoutMs: v.DYAD_POLICY_TIMEOUT_MS,
      maxSteps: v.DYAD_POLICY_MAX_STEPS,
      maxMemoryBytes: v.DYAD_POLICY_MAX_MEMORY_BYTES,
      maxModuleBytes: v.DYAD_POLICY_MAX_MODULE_BYTES,
      maxModules: v.DYAD_POLICY_MAX_MODULES,
      maxBundleBytes: v.DYAD_POLICY_MAX_BUNDLE_BYTES,
      ...(v.DYAD_POLICY_BUNDLE_SIGNING_KEY
        ? {
            bundleSigning: {
              key: v.DYAD_POLICY_BUNDLE_SIGNING_KEY,
              algorithm: v.DYAD_POLICY_BUNDLE_SIGNING_ALG,
              ...(v.DYAD_POLICY_BUNDLE_SIGNING_KEY_ID ? { keyid: v.DYAD_POLICY_BUNDLE_SIGNING_KEY_ID } : {}),
              ...(v.DYAD_POLICY_BUNDLE_SIGNING_SCOPE ? { scope: v.DYAD_POLICY_BUNDLE_SIGNING_SCOPE } : {}),
            },
          }
        : {}),
      authzSnapshotFile: resolve(dataDir, v.DYAD_AUTHZ_SNAPSHOT_FILE),
    },
    llm: {
      timeoutMs: v.DYAD_LLM_TIMEOUT_MS,
      defaultMaxTokens: v.DYAD_LLM_DEFAULT_MAX_TOKENS,
      maxPromptBytes: v.DYAD_LLM_MAX_PROMPT_BYTES,
      keyTtlMs: v.DYAD_LLM_KEY_TTL_MS,
    },
    quota: { tokenBlock: v.DYAD_QUOTA_TOKEN_BLOCK, requestBlock: v.DYAD_QUOTA_REQUEST_BLOCK },
    rag: {
      maxDocumentBytes: v.DYAD_RAG_MAX_DOCUMENT_BYTES,
      maxDocumentChars: v.DYAD_RAG_MAX_DOCUMENT_CHARS,
      parseTimeoutMs: v.DYAD_RAG_PARSE_TIMEOUT_MS,
      ingestConcurrency: v.DYAD_RAG_INGEST_CONCURRENCY,
      autoReindexDocuments: v.DYAD_RAG_AUTO_REINDEX_DOCUMENTS,
      ingestTimeoutSeconds: v.DYAD_RAG_INGEST_TIMEOUT_SECONDS,
    },
    cms: {
      maxNamespaceBytes: v.DYAD_CMS_MAX_NAMESPACE_BYTES,
      longPollMs: v.DYAD_CMS_LONG_POLL_MS,
      snapshotFile: resolve(dataDir, v.DYAD_CMS_SNAPSHOT_FILE),
      secretTtlMs: v.DYAD_CMS_SECRET_TTL_MS,
      maxNamespaces: v.DYAD_CMS_MAX_NAMESPACES,
      maxWatchers: v.DYAD_CMS_MAX_WATCHERS,
    },
  }
}
