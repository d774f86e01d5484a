/**
 * Every setting Dyad reads, declared once: its environment variable, type, default and meaning.
 * `loadConfig` validates against this table and the README's settings table is generated from it
 * (`npm run config:doc`), so code and documentation cannot drift.
 */
export type SettingType = 'string' | 'integer' | 'boolean' | 'url' | 'list'

export interface Setting {
  env: string
  type: SettingType
  default?: string
  /** Allowed values (for adapter switches). */
  enum?: readonly string[]
  /** Never printed: values are redacted in logs and errors. */
  secret?: boolean
  description: string
}

export const SETTINGS = [
  { env: 'DYAD_CONFIG_FILE', type: 'string', description: 'Optional JSON file of settings (same names as the variables); environment variables win over it.' },
  { env: 'DYAD_DC', type: 'string', default: 'dc1', description: 'Name of this datacenter; recorded in audit entries, logs and metrics.' },
  { env: 'DYAD_HOST', type: 'string', default: '127.0.0.1', description: 'Address to listen on.' },
  { env: 'DYAD_PORT', type: 'integer', default: '8080', description: 'Port to listen on (0 picks a free port).' },
  { env: 'DYAD_DATA_DIR', type: 'string', default: './data', description: 'Directory for embedded state: PGlite database, local secrets file and key.' },
  { env: 'DYAD_LOG_LEVEL', type: 'string', default: 'info', enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'Log level (pino).' },
  { env: 'DYAD_BODY_LIMIT', type: 'integer', default: '1048576', description: 'Largest accepted request body, in bytes.' },
  { env: 'DYAD_SHUTDOWN_GRACE_MS', type: 'integer', default: '10000', description: 'How long a shutdown waits for in-flight requests before closing stores.' },

  { env: 'DYAD_SQL', type: 'string', default: 'embedded', enum: ['embedded', 'postgres'], description: 'Relational store: embedded PGlite under the data directory, or Postgres 15 + pgvector.' },
  { env: 'DYAD_POSTGRES_URL', type: 'url', secret: true, description: 'Postgres connection string (required when any store is postgres and DYAD_SQL=postgres).' },
  { env: 'DYAD_POSTGRES_POOL_SIZE', type: 'integer', default: '10', description: 'Connections in the Postgres pool.' },

  { env: 'DYAD_KV', type: 'string', default: 'embedded', enum: ['embedded', 'etcd'], description: 'Key-value store for cms and policy: embedded (on the SQL store) or etcd.' },
  { env: 'DYAD_ETCD_ENDPOINTS', type: 'list', description: 'Comma-separated etcd client URLs (required when DYAD_KV=etcd).' },
  { env: 'DYAD_ETCD_NAMESPACE', type: 'string', default: 'dyad/', description: 'Key prefix for everything Dyad stores in etcd.' },

  { env: 'DYAD_PLATFORM_STORE', type: 'string', default: 'postgres', enum: ['postgres', 'mongodb'], description: 'Where projects, members, API keys and audit live: the SQL store or MongoDB.' },
  { env: 'DYAD_MONGODB_URI', type: 'url', secret: true, description: 'MongoDB connection string (required when DYAD_PLATFORM_STORE=mongodb).' },
  { env: 'DYAD_MONGODB_DATABASE', type: 'string', default: 'dyad', description: 'MongoDB database name.' },

  { env: 'DYAD_APPDATA_STORE', type: 'string', default: 'postgres', enum: ['postgres', 'cosmos'], description: 'Where RAG app data and decision logs live: the SQL store or Azure Cosmos DB.' },
  { env: 'DYAD_COSMOS_ENDPOINT', type: 'url', description: 'Cosmos DB account endpoint (required when DYAD_APPDATA_STORE=cosmos).' },
  { env: 'DYAD_COSMOS_KEY', type: 'string', secret: true, description: 'Cosmos DB account key.' },
  { env: 'DYAD_COSMOS_DATABASE', type: 'string', default: 'dyad', description: 'Cosmos DB database name.' },
  { env: 'DYAD_COSMOS_ALLOW_SELF_SIGNED', type: 'boolean', default: 'false', description: 'Accept a self-signed TLS certificate from the Cosmos endpoint. For the local emulator in tests only.' },

  { env: 'DYAD_SECRETS', type: 'string', default: 'local', enum: ['local', 'vault'], description: 'Secrets store: an encrypted file under the data directory, or HashiCorp Vault KV v2.' },
  { env: 'DYAD_SECRETS_KEY', type: 'string', secret: true, description: 'Key (32 bytes as 64 hex chars or base64) for the local secrets file; generated into the data directory when unset.' },
  { env: 'DYAD_VAULT_ADDR', type: 'url', description: 'Vault address (required when DYAD_SECRETS=vault).' },
  { env: 'DYAD_VAULT_TOKEN', type: 'string', secret: true, description: 'Vault token.' },
  { env: 'DYAD_VAULT_MOUNT', type: 'string', default: 'secret', description: 'Mount path of the KV v2 engine.' },
  { env: 'DYAD_VAULT_PREFIX', type: 'string', default: 'dyad/', description: 'Path prefix under the mount for Dyad secrets.' },

  { env: 'DYAD_JWT_SECRET', type: 'string', secret: true, description: 'Shared secret for HS256 bearer tokens (at least 32 characters).' },
  { env: 'DYAD_JWT_PUBLIC_KEY', type: 'string', description: 'PEM public key for RS256/ES256 bearer tokens (or a path to a PEM file).' },
  { env: 'DYAD_JWT_JWKS_URL', type: 'url', description: 'JWKS URL to fetch RS256/ES256 verification keys from (by `kid`).' },
  { env: 'DYAD_JWT_ALGORITHMS', type: 'list', default: 'HS256,RS256,ES256', description: 'Accepted JWT algorithms; a token is verified only with a key of its own algorithm family.' },
  { env: 'DYAD_JWT_ISSUER', type: 'string', description: 'Required `iss` of bearer tokens (unchecked when unset).' },
  { env: 'DYAD_JWT_AUDIENCE', type: 'string', description: 'Required `aud` of bearer tokens (unchecked when unset).' },

  { env: 'DYAD_BOOTSTRAP_ADMIN_KEY', type: 'string', secret: true, description: 'API key for the first platform admin (format dyad_<id>_<secret>); generated and printed once when unset.' },
  { env: 'DYAD_POLICY_TIMEOUT_MS', type: 'integer', default: '1000', description: 'Wall-clock budget of one policy decision; a policy that runs longer fails with eval_cancel_error.' },
  { env: 'DYAD_POLICY_MAX_STEPS', type: 'integer', default: '10000000', description: 'Evaluation-step budget of one policy decision.' },
  { env: 'DYAD_POLICY_MAX_MEMORY_BYTES', type: 'integer', default: '0', description: "Estimated bytes of values one policy evaluation may build (strings, arrays, objects made by built-ins, counted before they are built); past it the evaluation fails with eval_cancel_error. 0: an eighth of V8's heap limit (which Node sizes from the machine's memory)." },
  { env: 'DYAD_POLICY_MAX_MODULE_BYTES', type: 'integer', default: '262144', description: 'Largest accepted Rego module.' },
  { env: 'DYAD_POLICY_MAX_MODULES', type: 'integer', default: '1000', description: 'Most Rego modules a project may hold.' },
  { env: 'DYAD_POLICY_MAX_BUNDLE_BYTES', type: 'integer', default: '8388608', description: 'Largest accepted bundle upload (compressed); it may inflate to 8 times this.' },
  { env: 'DYAD_POLICY_BUNDLE_SIGNING_KEY', type: 'string', secret: true, description: 'Signs served OPA bundles (a .signatures.json OPA verifies): a PEM private key (RS/PS/ES) or the HMAC secret (HS). Unset: served bundles are unsigned.' },
  { env: 'DYAD_POLICY_BUNDLE_SIGNING_ALG', type: 'string', default: 'RS256', enum: ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'], description: 'Algorithm of DYAD_POLICY_BUNDLE_SIGNING_KEY; RS256 and HS* signatures are deterministic, so both DCs serve identical bytes.' },
  { env: 'DYAD_POLICY_BUNDLE_SIGNING_KEY_ID', type: 'string', description: 'Key id written in the served signature (JWT `kid` header and `keyid` claim); the key name in the agents\' `keys` config.' },
  { env: 'DYAD_POLICY_BUNDLE_SIGNING_SCOPE', type: 'string', description: 'The `scope` claim of the served signature (agents configured with a scope require it).' },
  { env: 'DYAD_AUTHZ_SNAPSHOT_FILE', type: 'string', default: 'authz-snapshot.json', description: "Last-known-good projects' authorization replacements, relative to the data directory: used only while etcd is unreachable, so a process restarted during an outage decides as before." },
  { env: 'DYAD_LLM_TIMEOUT_MS', type: 'integer', default: '60000', description: 'How long one LLM provider target may take to answer (or, streaming, to send its first event) before the next target is tried; a provider can set its own.' },
  { env: 'DYAD_LLM_DEFAULT_MAX_TOKENS', type: 'integer', default: '4096', description: 'Output cap given to an LLM call that sets none (the budget reservation counts it).' },
  { env: 'DYAD_LLM_MAX_PROMPT_BYTES', type: 'integer', default: '1048576', description: 'Largest LLM prompt text in UTF-8 bytes, unless a project sets its own guard.' },
  { env: 'DYAD_LLM_KEY_TTL_MS', type: 'integer', default: '60000', description: 'How long a provider API key read from the secrets store is cached (a rejected key is dropped at once).' },
  { env: 'DYAD_QUOTA_TOKEN_BLOCK', type: 'integer', default: '20000', description: 'Tokens a process leases at once from an LLM token budget in the SQL store; a lost process strands at most one block per budget.' },
  { env: 'DYAD_QUOTA_REQUEST_BLOCK', type: 'integer', default: '50', description: 'Requests a process leases at once from a request quota (API or LLM) in the SQL store; a lost process strands at most one block per quota.' },
  { env: 'DYAD_CMS_MAX_NAMESPACE_BYTES', type: 'integer', default: '262144', description: 'Largest cms namespace document (a publish writes it twice, below etcd\'s 1.5 MiB request limit).' },
  { env: 'DYAD_CMS_LONG_POLL_MS', type: 'integer', default: '30000', description: 'How long a cms long-poll (Dyad\'s and Apollo\'s notifications) is held before answering 304; below common proxy timeouts.' },
  { env: 'DYAD_CMS_SNAPSHOT_FILE', type: 'string', default: 'cms-snapshot.json', description: 'Last-known-good cms snapshot, relative to the data directory: a process that starts while etcd is unreachable serves from it.' },
  { env: 'DYAD_CMS_MAX_NAMESPACES', type: 'integer', default: '2000', description: 'Most cms namespaces one project may hold (every process keeps every head in memory).' },
  { env: 'DYAD_CMS_MAX_WATCHERS', type: 'integer', default: '5000', description: 'Most open cms watches (SSE and long-poll) one project may hold on one process; past it a watch gets 429.' },
  { env: 'DYAD_CMS_SECRET_TTL_MS', type: 'integer', default: '60000', description: 'How long a resolved cms secret reference is cached.' },
  { env: 'DYAD_RAG_MAX_DOCUMENT_BYTES', type: 'integer', default: '20971520', description: 'Largest document upload to a rag knowledge base, in bytes (before parsing).' },
  { env: 'DYAD_RAG_MAX_DOCUMENT_CHARS', type: 'integer', default: '2000000', description: 'Most characters of text one rag document may yield after parsing.' },
  { env: 'DYAD_RAG_PARSE_TIMEOUT_MS', type: 'integer', default: '20000', description: 'Deadline for parsing one uploaded document (Markdown, HTML and PDF parse in a worker thread).' },
  { env: 'DYAD_RAG_INGEST_CONCURRENCY', type: 'integer', default: '2', description: 'Ingestion jobs (chunk, embed, index) one process runs at a time.' },
  { env: 'DYAD_RAG_INGEST_TIMEOUT_SECONDS', type: 'integer', default: '600', description: 'How long one ingestion attempt may run before it counts as lost: the job of a worker that crashed (or hangs) is retried elsewhere after this, plus up to a minute of queue maintenance.' },
  { env: 'DYAD_RAG_AUTO_REINDEX_DOCUMENTS', type: 'integer', default: '50', description: "Ready documents at which a knowledge base on the offline embedder learns its first corpus model by itself (then again each time it has doubled); 0 turns automatic reindexing off." },
  { env: 'DYAD_RATE_LIMIT_PER_MINUTE', type: 'integer', default: '6000', description: 'Requests per minute per principal (0 disables).' },
] as const satisfies readonly Setting[]

export type SettingName = (typeof SETTINGS)[number]['env']
