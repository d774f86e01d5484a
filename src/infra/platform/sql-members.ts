import type { Member, PlatformStore, ProjectRole } from '../ports/platform.ts'
import type { SqlExecutor } from '../ports/sql.ts'
import { translateSqlError } from './sql-errors.ts'
import { isoTime, readTime } from './time.ts'

interface MemberRow {
  project_id: string
  subject: string
  role: ProjectRole
  created_at: Date
}

const toMember = (r: MemberRow): Member => ({
  projectId: r.project_id,
  subject: r.subject,
  role: r.role,
  createdAt: readTime(r.created_at),
})

type MemberMethods =
  | 'putMember'
  | 'getMember'
  | 'listMembers'
  | 'listMembershipsOf'
  | 'deleteMember'
  | 'setPlatformAdmin'
  | 'isPlatformAdmin'
  | 'listPlatformAdmins'

/** Who may act on what: project members with their role, and platform admins. */
export function sqlMembers(db: SqlExecutor): Pick<PlatformStore, MemberMethods> {
  return {
    async putMember(member) {
      try {
        // A put changes the role; the original createdAt stays, as "member since" must not move.
        const res = await db.query<MemberRow>(
          `INSERT INTO platform_members (project_id, subject, role, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (project_id, subject) DO UPDATE SET role = EXCLUDED.role
           RETURNING *`,
          [member.projectId, member.subject, member.role, isoTime(member.createdAt)],
        )
        return toMember(res.rows[0])
      } catch (err) {
        throw translateSqlError(err, { projectNotFound: `Project "${member.projectId}" does not exist.` })
      }
    },

    async getMember(projectId, subject) {
      const res = await db.query<MemberRow>(
        'SELECT * FROM platform_members WHERE project_id = $1 AND subject = $2',
        [projectId, subject],
      )
      return res.rows[0] ? toMember(res.rows[0]) : undefined
    },

    async listMembers(projectId) {
      const res = await db.query<MemberRow>(
        'SELECT * FROM platform_members WHERE project_id = $1 ORDER BY subject',
        [projectId],
      )
      return res.rows.map(toMember)
    },

    async listMembershipsOf(subject) {
      const res = await db.query<MemberRow>(
        'SELECT * FROM platform_members WHERE subject = $1 ORDER BY project_id',
        [subject],
      )
      return res.rows.map(toMember)
    },

    async deleteMember(projectId, subject) {
      const res = await db.query('DELETE FROM platform_members WHERE project_id = $1 AND subject = $2', [
        projectId,
        subject,
      ])
      return res.rowCount > 0
    },

    async setPlatformAdmin(subject, isAdmin) {
      if (isAdmin) {
        await db.query('INSERT INTO platform_admins (subject) VALUES ($1) ON CONFLICT (subject) DO NOTHING', [subject])
      } else {
        await db.query('DELETE FROM platform_admins WHERE subject = $1', [subject])
      }
    },

    async isPlatformAdmin(subject) {
      const res = await db.query('SELECT 1 FROM platform_admins WHERE subject = $1', [subject])
      return res.rows.length > 0
    },

    async listPlatformAdmins() {
      const res = await db.query<{ subject: string }>('SELECT subject FROM platform_admins ORDER BY subject')
      return res.rows.map((r) => r.subject)
    },
  }
}
