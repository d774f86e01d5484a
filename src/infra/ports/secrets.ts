/**
 * Secrets port (provider API keys, signing keys). Adapters: HashiCorp Vault KV v2 (`createVaultSecrets`)
 * and a local encrypted file under the data directory (`createLocalSecrets`).
 *
 * Values are never logged and `list` returns names only.
 */
export type SecretValue = Record<string, string>

export interface SecretsStore {
  readonly kind: 'vault' | 'local'
  get(path: string): Promise<SecretValue | undefined>
  put(path: string, value: SecretValue): Promise<void>
  delete(path: string): Promise<boolean>
  /** Names directly or indirectly under `prefix` (no values). */
  list(prefix: string): Promise<string[]>
  ping(): Promise<void>
  close(): Promise<void>
}
