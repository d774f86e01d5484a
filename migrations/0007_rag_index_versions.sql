-- RAG: index versions with their own dimension (a knowledge base whose embedding model changes).
--
-- A knowledge base starts with one HNSW index over its whole partition, cast to its dimension
-- (0006). When a reindex builds a version of another dimension, the store switches that partition
-- to one partial HNSW index per index version (`WHERE index_version = n`), each cast to its own
-- version's dimension, and records here the versions whose dimension is not the base's. Searches
-- name the version, so the planner picks that version's graph; the old version keeps serving from
-- its own until the domain drops it.
CREATE TABLE rag_index_versions (
  kb_key     bigint NOT NULL REFERENCES rag_knowledge_bases (key) ON DELETE CASCADE,
  version    integer NOT NULL CHECK (version >= 0),
  dimension  integer NOT NULL CHECK (dimension BETWEEN 1 AND 4000),
  PRIMARY KEY (kb_key, version)
);
