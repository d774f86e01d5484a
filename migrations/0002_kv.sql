-- The embedded key-value store (src/infra/kv/sql-kv.ts): etcd's data model on Postgres/PGlite.
-- Keys use COLLATE "C" so that ordering and prefix ranges follow UTF-8 bytes, as on etcd, and the
-- primary-key index serves [prefix, prefixEnd) range scans.

-- A single row. `revision` is the store's global revision: every write transaction locks this row
-- first (SELECT ... FOR UPDATE), so writers are serialised, commit in revision order and revisions
-- have no gaps, which is what lets a watcher poll the change feed by position without missing rows.
-- `compact_revision`: changes below it have been deleted from kv_changes.
CREATE TABLE kv_meta (
  id smallint PRIMARY KEY CHECK (id = 1),
  revision bigint NOT NULL,
  compact_revision bigint NOT NULL
);
INSERT INTO kv_meta (id, revision, compact_revision) VALUES (1, 0, 0);

CREATE SEQUENCE kv_lease_ids;

-- Leases are judged by the database clock (now()), so processes in both DCs agree on expiry.
CREATE TABLE kv_leases (
  id bigint PRIMARY KEY,
  ttl_seconds integer NOT NULL CHECK (ttl_seconds > 0),
  expires_at timestamptz NOT NULL
);
CREATE INDEX kv_leases_expires_at ON kv_leases (expires_at);

-- No foreign key to kv_leases: lease expiry deletes the keys itself (it must record delete events).
CREATE TABLE kv_entries (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL,
  create_revision bigint NOT NULL,
  mod_revision bigint NOT NULL,
  version bigint NOT NULL,
  lease_id bigint
);
CREATE INDEX kv_entries_lease_id ON kv_entries (lease_id) WHERE lease_id IS NOT NULL;

-- The change feed watches read. A transaction's changes share one revision, ordered by `sub`.
-- Bounded by compaction (kv_meta.compact_revision); created_at drives the time-based retention.
CREATE TABLE kv_changes (
  revision bigint NOT NULL,
  sub integer NOT NULL,
  key text COLLATE "C" NOT NULL,
  type text NOT NULL CHECK (type IN ('put', 'delete')),
  value text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (revision, sub)
);
