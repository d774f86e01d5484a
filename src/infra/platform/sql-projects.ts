import type { PlatformStore, Project } from '../ports/platform.ts'
import type { SqlExecutor } from '../ports/sql.ts'
import { clampLimit, decodeProjectCursor, encodeProjectCursor, toPage } from './paging.ts'
import { translateSqlError } from './sql-errors.ts'
import { isoTime, readTime } from './time.ts'

interface ProjectRow {
  id: string
  name: string
  description: string
  created_at: Date
}

const toProject = (r: ProjectRow): Project => ({
  id: r.id,
  name: r.name,
  description: r.description,
  createdAt: readTime(r.created_at),
})

type ProjectMethods = 'createProject' | 'getProject' | 'listProjects' | 'updateProject' | 'deleteProject'

export function sqlProjects(db: SqlExecutor): Pick<PlatformStore, ProjectMethods> {
  return {
    async createProject(project) {
      try {
        const res = await db.query<ProjectRow>(
          `INSERT INTO platform_projects (id, name, description, created_at) VALUES ($1, $2, $3, $4)
           RETURNING *`,
          [project.id, project.name, project.description, isoTime(project.createdAt)],
        )
        return toProject(res.rows[0])
      } catch (err) {
        throw translateSqlError(err, { conflict: `Project "${project.id}" already exists; choose another id.` })
      }
    },

    async getProject(id) {
      const res = await db.query<ProjectRow>('SELECT * FROM platform_projects WHERE id = $1', [id])
      return res.rows[0] ? toProject(res.rows[0]) : undefined
    },

    async listProjects(opts = {}) {
      const limit = clampLimit(opts.limit)
      const params: unknown[] = []
      const where: string[] = []
      if (opts.ids) {
        params.push(opts.ids)
        where.push(`id = ANY($${params.length}::text[])`)
      }
      if (opts.cursor) {
        params.push(decodeProjectCursor(opts.cursor))
        where.push(`id > $${params.length}`)
      }
      params.push(limit + 1)
      const res = await db.query<ProjectRow>(
        `SELECT * FROM platform_projects ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY id LIMIT $${params.length}`,
        params,
      )
      return toPage(res.rows.map(toProject), limit, (last) => encodeProjectCursor(last.id))
    },

    async updateProject(id, patch) {
      const res = await db.query<ProjectRow>(
        `UPDATE platform_projects SET name = COALESCE($2, name), description = COALESCE($3, description)
         WHERE id = $1 RETURNING *`,
        [id, patch.name ?? null, patch.description ?? null],
      )
      return res.rows[0] ? toProject(res.rows[0]) : undefined
    },

    async deleteProject(id) {
      // Members and keys go with it through ON DELETE CASCADE; audit entries have no foreign key.
      const res = await db.query('DELETE FROM platform_projects WHERE id = $1', [id])
      return res.rowCount > 0
    },
  }
}
