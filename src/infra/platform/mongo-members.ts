import type { Member, PlatformStore } from '../ports/platform.ts'
import type { GetCollections, MemberDoc } from './mongo-collections.ts'
import { isDuplicateKey } from './mongo-collections.ts'
import { requireProject } from './mongo-projects.ts'
import { parseTime, readTime } from './time.ts'

const toMember = (d: MemberDoc): Member => ({
  projectId: d.projectId,
  subject: d.subject,
  role: d.role,
  createdAt: readTime(d.createdAt),
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
export function mongoMembers(cols: GetCollections): Pick<PlatformStore, MemberMethods> {
  return {
    async putMember(member) {
      const c = await cols()
      await requireProject(c, member.projectId)
      const upsert = () =>
        // A put changes the role; the original createdAt stays, as "member since" must not move.
        c.members.findOneAndUpdate(
          { projectId: member.projectId, subject: member.subject },
          { $set: { role: member.role }, $setOnInsert: { createdAt: parseTime(member.createdAt) } },
          { upsert: true, returnDocument: 'after' },
        )
      let doc: MemberDoc | null
      try {
        doc = await upsert()
      } catch (err) {
        // Two concurrent upserts of a new member: one inserts, the other hits the unique index and,
        // retried, updates the document the first one created.
        if (!isDuplicateKey(err)) throw err
        doc = await upsert()
      }
      if (!doc) throw new Error('upsert returned no document')
      return toMember(doc)
    },

    async getMember(projectId, subject) {
      const doc = await (await cols()).members.findOne({ projectId, subject })
      return doc ? toMember(doc) : undefined
    },

    async listMembers(projectId) {
      const docs = await (await cols()).members.find({ projectId }).sort({ subject: 1 }).toArray()
      return docs.map(toMember)
    },

    async listMembershipsOf(subject) {
      const docs = await (await cols()).members.find({ subject }).sort({ projectId: 1 }).toArray()
      return docs.map(toMember)
    },

    async deleteMember(projectId, subject) {
      const res = await (await cols()).members.deleteOne({ projectId, subject })
      return res.deletedCount === 1
    },

    async setPlatformAdmin(subject, isAdmin) {
      const c = await cols()
      if (isAdmin) {
        try {
          await c.admins.updateOne({ _id: subject }, { $setOnInsert: { createdAt: new Date() } }, { upsert: true })
        } catch (err) {
          // A concurrent grant won the insert: the subject is an admin either way.
          if (!isDuplicateKey(err)) throw err
        }
      } else {
        await c.admins.deleteOne({ _id: subject })
      }
    },

    async isPlatformAdmin(subject) {
      return (await (await cols()).admins.countDocuments({ _id: subject }, { limit: 1 })) > 0
    },

    async listPlatformAdmins() {
      const docs = await (await cols()).admins.find({}).sort({ _id: 1 }).toArray()
      return docs.map((d) => d._id)
    },
  }
}
