-- RAG: knowledge bases, documents and their chunks (src/infra/retrieval/sql-store.ts).
--
-- Chunks of every knowledge base live in one table LIST-partitioned by the knowledge base's
-- numeric key: ensureKnowledgeBase creates the partition and its HNSW index, sized to that knowledge
-- base's dimension (`(embedding::vector(n))`, or halfvec(n) above 2000 dimensions). So each tenant's
-- vectors have their own graph (another tenant's data can neither crowd a filtered search nor skew
-- its recall), a new knowledge base's index is built on an empty table (no scan of everyone's chunks
-- under a lock), and deleting a knowledge base drops a table instead of deleting millions of rows.
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE rag_knowledge_bases (
  project_id  text NOT NULL,
  id          text NOT NULL,
  -- Partition key of rag_chunks, and the only thing of a tenant's that reaches DDL: a number we made.
  key         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  dimension   integer NOT NULL CHECK (dimension BETWEEN 1 AND 4000),
  ts_config   regconfig NOT NULL DEFAULT 'english',
  -- For the RAG domain's own settings (name, embedding model, chunking ...).
  name        text,
  config      jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id)
);

CREATE TABLE rag_documents (
  project_id   text NOT NULL,
  kb_id        text NOT NULL,
  id           text NOT NULL,
  title        text,
  content_hash text NOT NULL,
  metadata     jsonb NOT NULL DEFAULT '{}',
  -- { users?: string[], groups?: string[], public?: boolean }: what access conditions read.
  access       jsonb NOT NULL DEFAULT '{}',
  text         text NOT NULL DEFAULT '',
  status       text NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (project_id, kb_id, id),
  FOREIGN KEY (project_id, kb_id) REFERENCES rag_knowledge_bases (project_id, id) ON DELETE CASCADE
);
CREATE INDEX rag_documents_hash_idx ON rag_documents (project_id, kb_id, content_hash);

CREATE SEQUENCE rag_chunks_id_seq;

CREATE TABLE rag_chunks (
  kb_key        bigint NOT NULL,
  project_id    text NOT NULL,
  kb_id         text NOT NULL,
  document_id   text NOT NULL,
  index_version integer NOT NULL,
  chunk_index   integer NOT NULL,
  id            bigint NOT NULL DEFAULT nextval('rag_chunks_id_seq'),
  text          text NOT NULL,
  start_offset  integer NOT NULL,
  end_offset    integer NOT NULL,
  heading_path  text[] NOT NULL DEFAULT '{}',
  tokens        integer NOT NULL,
  -- Untyped, so partitions of different dimensions share the table; each partition checks its own.
  embedding     vector NOT NULL,
  ts_config     regconfig NOT NULL,
  tsv           tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, text)) STORED,
  PRIMARY KEY (kb_key, document_id, index_version, chunk_index),
  FOREIGN KEY (project_id, kb_id, document_id) REFERENCES rag_documents (project_id, kb_id, id) ON DELETE CASCADE
) PARTITION BY LIST (kb_key);
CREATE INDEX rag_chunks_tsv_idx ON rag_chunks USING gin (tsv);
CREATE INDEX rag_chunks_document_idx ON rag_chunks (project_id, kb_id, document_id);
