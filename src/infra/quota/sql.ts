/**
 * The quota port on the SQL store (table `llm_quota`, migrations/0005_llm.sql). A lease locks its
 * bucket's row for the one statement pair that reads and raises it, so two processes (one per DC,
 * on the same primary) cannot both take the last tokens.
 */
import type { QuotaStore } from '../ports/quota.ts'
import type { SqlDatabase } from '../ports/sql.ts'

export function createSqlQuota({ db }: { db: SqlDatabase }): QuotaStore {
  return {
    async lease({ bucket, projectId, need, want, limit }) {
      return db.transaction(async (tx) => {
        await tx.query('INSERT INTO llm_quota (bucket, project_id, leased) VALUES ($1, $2, 0) ON CONFLICT (bucket) DO NOTHING', [bucket, projectId])
        const row = await tx.query<{ leased: string }>('SELECT leased FROM llm_quota WHERE bucket = $1 FOR UPDATE', [bucket])
        const room = limit - Number(row.rows[0]?.leased ?? 0)
        if (room < need) return 0
        const grant = Math.max(need, Math.min(want, room))
        await tx.query('UPDATE llm_quota SET leased = leased + $2, updated_at = now() WHERE bucket = $1', [bucket, grant])
        return grant
      })
    },
    async giveBack(bucket, amount) {
      if (amount <= 0) return
      await db.query('UPDATE llm_quota SET leased = GREATEST(0, leased - $2), updated_at = now() WHERE bucket = $1', [bucket, amount])
    },
    async leased(buckets) {
      const out = new Map<string, number>()
      if (buckets.length === 0) return out
      const r = await db.query<{ bucket: string; leased: string }>('SELECT bucket, leased FROM llm_quota WHERE bucket = ANY($1::text[])', [buckets])
      for (const row of r.rows) out.set(row.bucket, Number(row.leased))
      return out
    },
    async deleteProject(projectId) {
      await db.query('DELETE FROM llm_quota WHERE project_id = $1', [projectId])
    },
  }
}
