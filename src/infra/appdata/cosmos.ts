import { createHash } from 'node:crypto'
import https from 'node:https'
import { CosmosClient, type Container, type SqlParameter } from '@azure/cosmos'
import type { AppDataStore, AppDocument } from '../ports/appdata.ts'
import { AppDataErrors } from './errors.ts'
import { encodeCursor, normaliseQuery, toPage } from './query.ts'

export interface CosmosAppDataOptions {
  endpoint: string
  key: string
  /** Database name; created with the container on first use when missing. */
  database: string
  /** Container name (default `app_documents`). */
  container?: string
  /** Accept a self-signed TLS certificate. For the local emulator in tests only; never in production. */
  allowSelfSigned?: boolean
}

/** What is stored per document. `id` is derived (see `cosmosId`); the caller's id is `docId`. */
interface StoredDoc {
  id: string
  projectId: string
  collection: string
  docId: string
  body: Record<string, unknown>
  updatedAt: string
  _etag?: string
}

/**
 * Cosmos ids are unique per partition (= project) only, may not contain / \ ? #, and are capped at 255
 * characters, while (collection, id) is arbitrary text. A hash of the pair is unique, fixed-length and
 * always legal; the readable values live in `collection` and `docId`.
 */
function cosmosId(collection: string, id: string): string {
  return createHash('sha256').update(JSON.stringify([collection, id])).digest('hex')
}

function toDocument<Body>(d: StoredDoc): AppDocument<Body> {
  return {
    projectId: d.projectId,
    collection: d.collection,
    id: d.docId,
    body: d.body as Body,
    etag: d._etag ?? '',
    updatedAt: d.updatedAt,
  }
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'number' ? code : undefined
}

/**
 * ORDER BY on two properties needs a composite index on real Cosmos DB. Cosmos serves the reverse
 * order from one index, but the emulator (@vercel/cosmosdb-server) only accepts an exact match, so
 * both directions are declared; on Cosmos the second is redundant but harmless.
 */
const INDEXING_POLICY = {
  compositeIndexes: [
    [
      { path: '/updatedAt', order: 'ascending' as const },
      { path: '/docId', order: 'ascending' as const },
    ],
    [
      { path: '/updatedAt', order: 'descending' as const },
      { path: '/docId', order: 'descending' as const },
    ],
  ],
}

/**
 * App-data store on Azure Cosmos DB (NoSQL API): one container partitioned by /projectId, so every
 * operation, queries included, is single-partition and a project can never see another's documents.
 * Etags are Cosmos `_etag`s and ifMatch is enforced by the server (If-Match), not by read-then-write.
 *
 * `updatedAt` is the writer's clock (Cosmos' own `_ts` has only second resolution).
 */
export function createCosmosAppData(opts: CosmosAppDataOptions): AppDataStore {
  const client = new CosmosClient({
    endpoint: opts.endpoint,
    key: opts.key,
    // Test-only escape hatch for the emulator's self-signed certificate; production verifies TLS.
    ...(opts.allowSelfSigned ? { agent: new https.Agent({ rejectUnauthorized: false }) } : {}),
  })
  let ready: Promise<Container> | undefined

  async function init(): Promise<Container> {
    const { database } = await client.databases.createIfNotExists({ id: opts.database })
    const { container } = await database.containers.createIfNotExists({
      id: opts.container ?? 'app_documents',
      partitionKey: { paths: ['/projectId'] },
      indexingPolicy: INDEXING_POLICY,
    })
    return container
  }

  // Created on first use so the process can start while Cosmos is unreachable; a failed attempt is
  // forgotten so the next call retries instead of failing forever.
  function container(): Promise<Container> {
    ready ??= init().catch((err) => {
      ready = undefined
      throw err
    })
    return ready
  }

  function stored(projectId: string, collection: string, id: string, body: Record<string, unknown>): StoredDoc {
    return { id: cosmosId(collection, id), projectId, collection, docId: id, body, updatedAt: new Date().toISOString() }
  }

  return {
    kind: 'cosmos',

    async create<Body extends Record<string, unknown>>(projectId: string, collection: string, id: string, body: Body) {
      const c = await container()
      try {
        const { resource } = await c.items.create<StoredDoc>(stored(projectId, collection, id, body))
        return toDocument<Body>(resource as StoredDoc)
      } catch (err) {
        if (statusOf(err) === 409) throw AppDataErrors.alreadyExists(undefined, { collection, id })
        throw err
      }
    },

    async createMany(projectId, collection, docs) {
      // Cosmos has no multi-document insert outside transactional batches (100 operations, one
      // partition, all-or-nothing: one existing id would fail the batch), so creates go out
      // concurrently in small groups instead.
      const c = await container()
      let created = 0
      for (let i = 0; i < docs.length; i += 20) {
        await Promise.all(
          docs.slice(i, i + 20).map(async (d) => {
            try {
              const body = 'json' in d ? (JSON.parse(d.json) as Record<string, unknown>) : d.body
              await c.items.create<StoredDoc>(stored(projectId, collection, d.id, body))
              created++
            } catch (err) {
              if (statusOf(err) !== 409) throw err
            }
          }),
        )
      }
      return created
    },

    async put<Body extends Record<string, unknown>>(
      projectId: string,
      collection: string,
      id: string,
      body: Body,
      opts: { ifMatch?: string } = {},
    ) {
      const c = await container()
      const doc = stored(projectId, collection, id, body)
      if (opts.ifMatch === undefined) {
        const { resource } = await c.items.upsert<StoredDoc>(doc)
        return toDocument<Body>(resource as StoredDoc)
      }
      try {
        const { resource } = await c
          .item(doc.id, projectId)
          .replace<StoredDoc>(doc, { accessCondition: { type: 'IfMatch', condition: opts.ifMatch } })
        return toDocument<Body>(resource as StoredDoc)
      } catch (err) {
        // 404: the document is gone, which also makes the caller's etag stale.
        const status = statusOf(err)
        if (status === 412 || status === 404) throw AppDataErrors.preconditionFailed(undefined, { collection, id })
        throw err
      }
    },

    async get<Body = Record<string, unknown>>(projectId: string, collection: string, id: string) {
      const c = await container()
      // The SDK reports a missing item as statusCode 404 with no resource rather than throwing.
      const { resource } = await c.item(cosmosId(collection, id), projectId).read<StoredDoc>()
      return resource ? toDocument<Body>(resource) : undefined
    },

    async delete(projectId, collection, id) {
      const c = await container()
      try {
        await c.item(cosmosId(collection, id), projectId).delete()
        return true
      } catch (err) {
        if (statusOf(err) === 404) return false
        throw err
      }
    },

    async deleteCollection(projectId, collection) {
      // Read the collection's ids in the project's partition page by page and delete each (there is
      // no server-side delete by query).
      const c = await container()
      let deleted = 0
      for (;;) {
        const { resources } = await c.items
          .query<{ id: string }>(
            { query: 'SELECT TOP 100 c.id FROM c WHERE c.projectId = @p AND c.collection = @c', parameters: [{ name: '@p', value: projectId }, { name: '@c', value: collection }] },
            { partitionKey: projectId },
          )
          .fetchNext()
        if (resources.length === 0) return deleted
        for (const r of resources) {
          try {
            await c.item(r.id, projectId).delete()
            deleted++
          } catch (err) {
            if (statusOf(err) !== 404) throw err
          }
        }
      }
    },

    async query<Body = Record<string, unknown>>(projectId: string, collection: string, q = {}) {
      const { where, limit, order, after } = normaliseQuery(q)
      const c = await container()
      const parameters: SqlParameter[] = [
        { name: '@n', value: limit + 1 },
        { name: '@p', value: projectId },
        { name: '@c', value: collection },
      ]
      const clauses = ['c.projectId = @p', 'c.collection = @c']
      where.forEach(([field, value], i) => {
        // Property names cannot be parameters portably; `field` matched normaliseQuery's strict
        // pattern, and JSON quoting makes it a string literal in bracket notation (reserved words
        // such as `value` would break the dot notation).
        clauses.push(`c.body[${JSON.stringify(field)}] = @w${i}`)
        parameters.push({ name: `@w${i}`, value })
      })
      const cmp = order === 'asc' ? '>' : '<'
      if (after) {
        clauses.push(`(c.updatedAt ${cmp} @u OR (c.updatedAt = @u AND c.docId ${cmp} @i))`)
        parameters.push({ name: '@u', value: after.updatedAt }, { name: '@i', value: after.id })
      }
      const dir = order === 'asc' ? 'ASC' : 'DESC'
      // TOP rather than OFFSET/LIMIT: the emulator's parser has no OFFSET/LIMIT at all, while TOP with a
      // parameter works there and is documented for Cosmos. Keyset paging needs no offset anyway.
      const query = `SELECT TOP @n * FROM c WHERE ${clauses.join(' AND ')} ORDER BY c.updatedAt ${dir}, c.docId ${dir}`
      const { resources } = await c.items.query<StoredDoc>({ query, parameters }, { partitionKey: projectId }).fetchAll()
      return toPage(resources.map((d) => toDocument<Body>(d)), limit)
    },

    cursorAfter: (doc) => encodeCursor({ updatedAt: doc.updatedAt, id: doc.id }),

    async ping() {
      const c = await container()
      await c.read()
    },

    async close() {
      client.dispose()
    },
  }
}
