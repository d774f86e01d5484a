/** The typed, validated configuration handed down from `loadConfig`. Nothing else reads the environment. */
export type SqlConfig = { kind: 'embedded'; dataDir: string } | { kind: 'postgres'; url: string; poolSize: number }
export type KvConfig = { kind: 'embedded' } | { kind: 'etcd'; endpoints: string[]; namespace: string }
export type PlatformStoreConfig = { kind: 'postgres' } | { kind: 'mongodb'; uri: string; database: string }
export type AppDataStoreConfig =
  | { kind: 'postgres' }
  | { kind: 'cosmos'; endpoint: string; key: string; database: string; allowSelfSigned: boolean }
export type SecretsConfig =
  | { kind: 'local'; file: string; key?: string; keyFile: string }
  | { kind: 'vault'; addr: string; token: string; mount: string; prefix: string }

export interface JwtConfig {
  secret?: string
  publicKey?: string
  jwksUrl?: string
  algorithms: string[]
  issuer?: string
  audience?: string
}

export interface DyadConfig {
  dc: string
  host: string
  port: number
  dataDir: string
  logLevel: string
  bodyLimit: number
  shutdownGraceMs: number
  sql: SqlConfig
  kv: KvConfig
  platformStore: PlatformStoreConfig
  appDataStore: AppDataStoreConfig
  secrets: SecretsConfig
  jwt: JwtConfig
  bootstrapAdminKey?: string
  rateLimitPerMinute: number
  policy: { timeoutMs: number; maxSteps: number; maxMemoryBytes: number; maxModuleBytes: number; maxModules: number; maxBundleBytes: number; authzSnapshotFile: string; bundleSigning?: { key: string; algorithm: string; keyid?: string; scope?: string } }
  llm: { timeoutMs: number; defaultMaxTokens: number; maxPromptBytes: number; keyTtlMs: number }
  quota: { tokenBlock: number; requestBlock: number }
  rag: { maxDocumentBytes: number; maxDocumentChars: number; parseTimeoutMs: number; ingestConcurrency: number; autoReindexDocuments: number; ingestTimeoutSeconds: number }
  cms: { maxNamespaceBytes: number; longPollMs: number; snapshotFile: string; secretTtlMs: number; maxNamespaces: number; maxWatchers: number }
}
