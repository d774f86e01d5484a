import type { PlatformStore, Project } from '../ports/platform.ts'
import { PlatformErrors } from './errors.ts'
import type { GetCollections, PlatformCollections, ProjectDoc } from './mongo-collections.ts'
import { isDuplicateKey } from './mongo-collections.ts'
import { clampLimit, decodeProjectCursor, encodeProjectCursor, toPage } from './paging.ts'
import { parseTime, readTime } from './time.ts'

const toProject = (d: ProjectDoc): Project => ({
  id: d._id,
  name: d.name,
  description: d.description,
  createdAt: readTime(d.createdAt),
})

/**
 * Members and keys have no foreign key here. Writers check that the project exists first, and a
 * delete sweeps the children before and after removing the project, so a write racing the delete
 * leaves an orphan only if it lands after the second sweep (a window of one round trip).
 */
async function deleteChildren(c: PlatformCollections, projectId: string): Promise<void> {
  await c.members.deleteMany({ projectId })
  await c.apiKeys.deleteMany({ projectId })
}

export async function requireProject(c: PlatformCollections, projectId: string): Promise<void> {
  const found = await c.projects.countDocuments({ _id: projectId }, { limit: 1 })
  if (found === 0) throw PlatformErrors.projectNotFound(`Project "${projectId}" does not exist.`)
}

type ProjectMethods = 'createProject' | 'getProject' | 'listProjects' | 'updateProject' | 'deleteProject'

export function mongoProjects(cols: GetCollections): Pick<PlatformStore, ProjectMethods> {
  return {
    async createProject(project) {
      const c = await cols()
      const doc: ProjectDoc = {
        _id: project.id,
        name: project.name,
        description: project.description,
        createdAt: parseTime(project.createdAt),
      }
      try {
        await c.projects.insertOne(doc)
      } catch (err) {
        if (isDuplicateKey(err)) throw PlatformErrors.conflict(`Project "${project.id}" already exists; choose another id.`)
        throw err
      }
      return toProject(doc)
    },

    async getProject(id) {
      const doc = await (await cols()).projects.findOne({ _id: id })
      return doc ? toProject(doc) : undefined
    },

    async listProjects(opts = {}) {
      const c = await cols()
      const limit = clampLimit(opts.limit)
      const idFilter: { $in?: string[]; $gt?: string } = {}
      if (opts.ids) idFilter.$in = opts.ids
      if (opts.cursor) idFilter.$gt = decodeProjectCursor(opts.cursor)
      const docs = await c.projects
        .find(opts.ids || opts.cursor ? { _id: idFilter } : {})
        .sort({ _id: 1 })
        .limit(limit + 1)
        .toArray()
      return toPage(docs.map(toProject), limit, (last) => encodeProjectCursor(last.id))
    },

    async updateProject(id, patch) {
      const c = await cols()
      const set: Partial<Pick<ProjectDoc, 'name' | 'description'>> = {}
      if (patch.name !== undefined) set.name = patch.name
      if (patch.description !== undefined) set.description = patch.description
      // MongoDB rejects an empty $set, and an empty patch is just a read.
      const doc = Object.keys(set).length
        ? await c.projects.findOneAndUpdate({ _id: id }, { $set: set }, { returnDocument: 'after' })
        : await c.projects.findOne({ _id: id })
      return doc ? toProject(doc) : undefined
    },

    async deleteProject(id) {
      const c = await cols()
      await deleteChildren(c, id)
      const res = await c.projects.deleteOne({ _id: id })
      await deleteChildren(c, id)
      return res.deletedCount === 1
    },
  }
}
