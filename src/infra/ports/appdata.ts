/**
 * App-data port: JSON documents partitioned by project (RAG conversations, job records, decision
 * logs). Adapters: Postgres (`createSqlAppData`, default) and Azure Cosmos DB (`createCosmosAppData`,
 * container partitioned by /projectId).
 *
 * Optimistic concurrency: every document has an opaque `etag`; `put` with `ifMatch` fails with
 * APPDATA_PRECONDITION_FAILED when the stored etag differs, and `create` fails with
 * APPDATA_ALREADY_EXISTS when the id is taken.
 */
export interface AppDocument<Body = Record<string, unknown>> {
  projectId: string
  collection: string
  id: string
  body: Body
  etag: string
  /** ISO-8601 time of the last write. */
  updatedAt: string
}

/** A document to create: its body as a value, or as the text of a JSON object. */
export type NewDocument = { id: string; body: Record<string, unknown> } | { id: string; json: string }

export interface AppDataQuery {
  /** Equality filters on top-level body fields (string, number or boolean values). */
  where?: Record<string, string | number | boolean>
  /** Max documents returned (default 100, max 1000). */
  limit?: number
  /** Opaque cursor from a previous page. */
  cursor?: string
  /** Ordered by updatedAt then id; 'desc' returns newest first. */
  order?: 'asc' | 'desc'
}

export interface AppDataPage<Body = Record<string, unknown>> {
  items: AppDocument<Body>[]
  nextCursor?: string
}

export interface AppDataStore {
  readonly kind: 'postgres' | 'cosmos'
  create<Body extends Record<string, unknown>>(projectId: string, collection: string, id: string, body: Body): Promise<AppDocument<Body>>
  /**
   * Creates many documents of one collection in as few round trips as the backend allows (batched
   * writers such as the decision log). Ids that already exist are left as they are, so a retried
   * batch is harmless; returns how many were created. A document may come as `json`, its body
   * already serialised (a JSON object's text), from writers that serialise when they buffer.
   */
  createMany(projectId: string, collection: string, docs: ReadonlyArray<NewDocument>): Promise<number>
  put<Body extends Record<string, unknown>>(
    projectId: string,
    collection: string,
    id: string,
    body: Body,
    opts?: { ifMatch?: string },
  ): Promise<AppDocument<Body>>
  get<Body = Record<string, unknown>>(projectId: string, collection: string, id: string): Promise<AppDocument<Body> | undefined>
  delete(projectId: string, collection: string, id: string): Promise<boolean>
  /** Deletes every document of one collection of a project (the project is being deleted); returns how many. */
  deleteCollection(projectId: string, collection: string): Promise<number>
  query<Body = Record<string, unknown>>(projectId: string, collection: string, q?: AppDataQuery): Promise<AppDataPage<Body>>
  /**
   * The cursor of a page that would have ended with `doc` (one returned by `query`): the next page
   * from it starts right after `doc`, in the order asked for then. For readers that stop in the middle
   * of a page.
   */
  cursorAfter(doc: AppDocument<unknown>): string
  ping(): Promise<void>
  close(): Promise<void>
}
