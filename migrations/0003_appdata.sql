-- App-data documents (RAG conversations, job records, decision logs) for the Postgres app-data store.
-- Keys use the "C" collation: byte order is deterministic across servers and locales (the keyset
-- cursor compares ids) and matches Cosmos DB's ordinal string order, so both backends page alike.
CREATE TABLE app_documents (
  project_id text COLLATE "C" NOT NULL,
  collection text COLLATE "C" NOT NULL,
  id         text COLLATE "C" NOT NULL,
  body       jsonb NOT NULL,
  -- Opaque, random per write; compared for optimistic concurrency (ifMatch).
  etag       text NOT NULL,
  -- Millisecond precision: the value must survive a round trip through a JS Date and a cursor exactly,
  -- or keyset pages would skip or repeat rows that differ only in microseconds.
  updated_at timestamptz(3) NOT NULL,
  PRIMARY KEY (project_id, collection, id)
);

-- Serves every page of a query, in both directions (a backward index scan gives the desc order).
CREATE INDEX app_documents_page ON app_documents (project_id, collection, updated_at, id);

-- Serves `where` filters, which are jsonb containment (body @> {...}). jsonb_path_ops is smaller and
-- faster than the default opclass and containment is the only operator we use; it does add write cost,
-- which is the trade for filters that stay fast on large collections.
CREATE INDEX app_documents_body ON app_documents USING gin (body jsonb_path_ops);
