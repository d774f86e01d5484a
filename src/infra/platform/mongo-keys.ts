import type { ApiKeyRecord, PlatformStore } from '../ports/platform.ts'
import { PlatformErrors } from './errors.ts'
import type { ApiKeyDoc, GetCollections } from './mongo-collections.ts'
import { isDuplicateKey } from './mongo-collections.ts'
import { requireProject } from './mongo-projects.ts'
import { parseTime, readTime, readTimeOrNull } from './time.ts'

const toApiKey = (d: ApiKeyDoc): ApiKeyRecord => ({
  id: d._id,
  secretHash: d.secretHash,
  name: d.name,
  subject: d.subject,
  projectId: d.projectId,
  createdAt: readTime(d.createdAt),
  expiresAt: readTimeOrNull(d.expiresAt),
  revokedAt: readTimeOrNull(d.revokedAt),
  lastUsedAt: readTimeOrNull(d.lastUsedAt),
})

const dateOrNull = (v: string | null | undefined) => (v == null ? null : parseTime(v))

type ApiKeyMethods = 'createApiKey' | 'getApiKey' | 'listApiKeys' | 'revokeApiKey' | 'touchApiKey'

export function mongoApiKeys(cols: GetCollections): Pick<PlatformStore, ApiKeyMethods> {
  return {
    async createApiKey(key) {
      const c = await cols()
      const doc: ApiKeyDoc = {
        _id: key.id,
        secretHash: key.secretHash,
        name: key.name,
        subject: key.subject,
        projectId: key.projectId,
        createdAt: parseTime(key.createdAt),
        expiresAt: dateOrNull(key.expiresAt),
        revokedAt: dateOrNull(key.revokedAt),
        lastUsedAt: dateOrNull(key.lastUsedAt),
      }
      if (doc.projectId !== null) await requireProject(c, doc.projectId)
      try {
        await c.apiKeys.insertOne(doc)
      } catch (err) {
        if (isDuplicateKey(err)) throw PlatformErrors.conflict(`API key "${key.id}" already exists; generate a new id.`)
        throw err
      }
      return toApiKey(doc)
    },

    async getApiKey(id) {
      const doc = await (await cols()).apiKeys.findOne({ _id: id })
      return doc ? toApiKey(doc) : undefined
    },

    async listApiKeys(filter) {
      const query: { projectId?: string | null; subject?: string } = {}
      // projectId: undefined means "any project"; null means platform keys only.
      if (filter.projectId !== undefined) query.projectId = filter.projectId
      if (filter.subject !== undefined) query.subject = filter.subject
      const docs = await (await cols()).apiKeys.find(query).sort({ createdAt: 1, _id: 1 }).toArray()
      return docs.map(toApiKey)
    },

    async revokeApiKey(id, at) {
      const c = await cols()
      // The first revocation time wins: revoking twice must not rewrite when access ended.
      await c.apiKeys.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: parseTime(at) } })
      const doc = await c.apiKeys.findOne({ _id: id })
      return doc ? toApiKey(doc) : undefined
    },

    async touchApiKey(id, at) {
      // Both DCs touch keys and their writes can arrive out of order; $max only moves lastUsedAt
      // forward (a BSON null sorts before every date).
      await (await cols()).apiKeys.updateOne({ _id: id }, { $max: { lastUsedAt: parseTime(at) } })
    },
  }
}
