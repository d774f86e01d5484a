import type { ApiKeyRecord, PlatformStore } from '../ports/platform.ts'
import type { SqlExecutor } from '../ports/sql.ts'
import { translateSqlError } from './sql-errors.ts'
import { isoTime, isoTimeOrNull, readTime, readTimeOrNull } from './time.ts'

interface ApiKeyRow {
  id: string
  secret_hash: string
  name: string
  subject: string
  project_id: string | null
  created_at: Date
  expires_at: Date | null
  revoked_at: Date | null
  last_used_at: Date | null
}

const toApiKey = (r: ApiKeyRow): ApiKeyRecord => ({
  id: r.id,
  secretHash: r.secret_hash,
  name: r.name,
  subject: r.subject,
  projectId: r.project_id,
  createdAt: readTime(r.created_at),
  expiresAt: readTimeOrNull(r.expires_at),
  revokedAt: readTimeOrNull(r.revoked_at),
  lastUsedAt: readTimeOrNull(r.last_used_at),
})

type ApiKeyMethods = 'createApiKey' | 'getApiKey' | 'listApiKeys' | 'revokeApiKey' | 'touchApiKey'

export function sqlApiKeys(db: SqlExecutor): Pick<PlatformStore, ApiKeyMethods> {
  return {
    async createApiKey(key) {
      try {
        const res = await db.query<ApiKeyRow>(
          `INSERT INTO platform_api_keys
             (id, secret_hash, name, subject, project_id, created_at, expires_at, revoked_at, last_used_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           RETURNING *`,
          [
            key.id,
            key.secretHash,
            key.name,
            key.subject,
            key.projectId,
            isoTime(key.createdAt),
            isoTimeOrNull(key.expiresAt),
            isoTimeOrNull(key.revokedAt),
            isoTimeOrNull(key.lastUsedAt),
          ],
        )
        return toApiKey(res.rows[0])
      } catch (err) {
        throw translateSqlError(err, {
          conflict: `API key "${key.id}" already exists; generate a new id.`,
          projectNotFound: `Project "${key.projectId}" does not exist.`,
        })
      }
    },

    async getApiKey(id) {
      const res = await db.query<ApiKeyRow>('SELECT * FROM platform_api_keys WHERE id = $1', [id])
      return res.rows[0] ? toApiKey(res.rows[0]) : undefined
    },

    async listApiKeys(filter) {
      const params: unknown[] = []
      const where: string[] = []
      // projectId: undefined means "any project"; null means platform keys only.
      if (filter.projectId === null) where.push('project_id IS NULL')
      else if (filter.projectId !== undefined) {
        params.push(filter.projectId)
        where.push(`project_id = $${params.length}`)
      }
      if (filter.subject !== undefined) {
        params.push(filter.subject)
        where.push(`subject = $${params.length}`)
      }
      const res = await db.query<ApiKeyRow>(
        `SELECT * FROM platform_api_keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY created_at, id`,
        params,
      )
      return res.rows.map(toApiKey)
    },

    async revokeApiKey(id, at) {
      // The first revocation time wins: revoking twice must not rewrite when access ended.
      const res = await db.query<ApiKeyRow>(
        'UPDATE platform_api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1 RETURNING *',
        [id, isoTime(at)],
      )
      return res.rows[0] ? toApiKey(res.rows[0]) : undefined
    },

    async touchApiKey(id, at) {
      // Both DCs touch keys and their writes can arrive out of order; lastUsedAt only moves forward.
      await db.query(
        'UPDATE platform_api_keys SET last_used_at = GREATEST(last_used_at, $2) WHERE id = $1',
        [id, isoTime(at)],
      )
    },
  }
}
