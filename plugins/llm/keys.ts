/**
 * Provider API keys, from the secrets port (Vault in production) at `llm/<projectId>/<provider>`,
 * field `apiKey`. Only the reference (the provider's name) is in etcd; no API returns a key. Keys
 * are cached for `ttlMs` and dropped at once when the provider rejects one, so a rotation is picked
 * up without a restart.
 */
import type { SecretsStore } from '../../src/infra/ports/secrets.ts'

export const keyPath = (projectId: string, provider: string) => `llm/${projectId}/${provider}`

export function createProviderKeys(secrets: SecretsStore, ttlMs: number) {
  const cache = new Map<string, { value: string | undefined; at: number }>()
  return {
    async get(projectId: string, provider: string): Promise<string | undefined> {
      const path = keyPath(projectId, provider)
      const hit = cache.get(path)
      if (hit && Date.now() - hit.at < ttlMs) return hit.value
      const value = (await secrets.get(path))?.apiKey
      cache.set(path, { value, at: Date.now() })
      if (cache.size > 10_000) cache.delete(cache.keys().next().value!)
      return value
    },
    async put(projectId: string, provider: string, apiKey: string) {
      await secrets.put(keyPath(projectId, provider), { apiKey })
      cache.delete(keyPath(projectId, provider))
    },
    async delete(projectId: string, provider: string): Promise<boolean> {
      cache.delete(keyPath(projectId, provider))
      return secrets.delete(keyPath(projectId, provider))
    },
    forget(projectId: string, provider: string) {
      cache.delete(keyPath(projectId, provider))
    },
    async deleteProject(projectId: string) {
      for (const name of await secrets.list(`llm/${projectId}/`)) await secrets.delete(name)
      for (const k of [...cache.keys()]) if (k.startsWith(`llm/${projectId}/`)) cache.delete(k)
    },
  }
}

export type ProviderKeys = ReturnType<typeof createProviderKeys>
