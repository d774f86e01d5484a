/**
 * Apollo access keys of an app: the shared secrets Apollo clients sign requests with
 * (`Authorization: Apollo <appId>:<HMAC-SHA1 signature>`). An HMAC needs the secret itself, so it
 * cannot be stored hashed like a Dyad API key: it lives in the secrets port (Vault in production) at
 * `cms-apollo/<projectId>/<app>`, outside the project's reference space (a config value cannot name
 * it), and is cached in memory for a short TTL so a signature check rarely waits on Vault. A key is
 * returned once, when it is created.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { SecretsStore } from '../../src/infra/ports/secrets.ts'

const pathOf = (projectId: string, app: string) => `cms-apollo/${projectId}/${app}`
const TTL_MS = 10_000

export function createAccessKeys(secrets: SecretsStore) {
  const cache = new Map<string, { secrets: string[]; at: number }>()

  async function load(projectId: string, app: string): Promise<Record<string, string>> {
    return (await secrets.get(pathOf(projectId, app))) ?? {}
  }

  return {
    /** The app's current secrets (from memory within the TTL). */
    async secrets(projectId: string, app: string): Promise<string[]> {
      const k = pathOf(projectId, app)
      const hit = cache.get(k)
      if (hit && Date.now() - hit.at < TTL_MS) return hit.secrets
      const list = Object.values(await load(projectId, app))
      cache.set(k, { secrets: list, at: Date.now() })
      if (cache.size > 10_000) cache.delete(cache.keys().next().value!)
      return list
    },
    async list(projectId: string, app: string): Promise<string[]> {
      return Object.keys(await load(projectId, app))
    },
    async create(projectId: string, app: string): Promise<{ id: string; secret: string }> {
      const id = randomUUID().replaceAll('-', '').slice(0, 16)
      const secret = randomBytes(24).toString('hex')
      const current = await load(projectId, app)
      await secrets.put(pathOf(projectId, app), { ...current, [id]: secret })
      cache.delete(pathOf(projectId, app))
      return { id, secret }
    },
    async revoke(projectId: string, app: string, id: string): Promise<boolean> {
      const current = await load(projectId, app)
      if (!(id in current)) return false
      const { [id]: _gone, ...rest } = current
      await secrets.put(pathOf(projectId, app), rest)
      cache.delete(pathOf(projectId, app))
      return true
    },
    /** Every key of the project (project deletion). */
    async deleteProject(projectId: string): Promise<void> {
      for (const name of await secrets.list(`cms-apollo/${projectId}/`)) await secrets.delete(name)
      for (const k of cache.keys()) if (k.startsWith(`cms-apollo/${projectId}/`)) cache.delete(k)
    },
  }
}

export type AccessKeys = ReturnType<typeof createAccessKeys>
