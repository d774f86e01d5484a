-- Platform store: projects, members, platform admins, API keys, the audit log and idempotency records.
--
-- Identifiers use COLLATE "C": ordering (and so keyset pagination) is bytewise and independent of the
-- server's locale, which keeps PGlite, Postgres and the MongoDB adapter returning the same order.
-- Timestamps are timestamptz; the adapter writes them at millisecond precision.

CREATE TABLE platform_projects (
  id          text COLLATE "C" PRIMARY KEY,
  name        text NOT NULL,
  description text NOT NULL,
  created_at  timestamptz NOT NULL
);

-- Members and keys belong to their project: deleting the project deletes them in the same statement.
CREATE TABLE platform_members (
  project_id text COLLATE "C" NOT NULL REFERENCES platform_projects (id) ON DELETE CASCADE,
  subject    text COLLATE "C" NOT NULL,
  role       text NOT NULL CONSTRAINT platform_members_role_check
               CHECK (role IN ('project-admin', 'project-user')),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (project_id, subject)
);
-- "Which projects can this subject see?" runs on every listing by a non-admin.
CREATE INDEX platform_members_subject_idx ON platform_members (subject);

CREATE TABLE platform_admins (
  subject    text COLLATE "C" PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE platform_api_keys (
  id           text COLLATE "C" PRIMARY KEY,
  secret_hash  text NOT NULL,
  name         text NOT NULL,
  subject      text COLLATE "C" NOT NULL,
  -- NULL for a platform-admin key, which no project deletion may remove.
  project_id   text COLLATE "C" REFERENCES platform_projects (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz,
  revoked_at   timestamptz,
  last_used_at timestamptz
);
CREATE INDEX platform_api_keys_project_idx ON platform_api_keys (project_id);
CREATE INDEX platform_api_keys_subject_idx ON platform_api_keys (subject);

-- No foreign key to projects: the audit trail must outlive the things it describes.
CREATE TABLE platform_audit_log (
  id         text COLLATE "C" PRIMARY KEY,
  at         timestamptz NOT NULL,
  dc         text NOT NULL,
  request_id text NOT NULL,
  actor      text COLLATE "C" NOT NULL,
  action     text COLLATE "C" NOT NULL,
  resource   text NOT NULL,
  project_id text COLLATE "C",
  outcome    text NOT NULL CHECK (outcome IN ('success', 'failure')),
  details    jsonb
);
-- Newest first by (at, id): id breaks ties within one millisecond, so paging neither repeats nor
-- skips entries. Each filter gets the same ordering behind its equality column.
CREATE INDEX platform_audit_log_at_idx ON platform_audit_log (at DESC, id DESC);
CREATE INDEX platform_audit_log_project_idx ON platform_audit_log (project_id, at DESC, id DESC);
CREATE INDEX platform_audit_log_actor_idx ON platform_audit_log (actor, at DESC, id DESC);
CREATE INDEX platform_audit_log_action_idx ON platform_audit_log (action, at DESC, id DESC);

-- The primary key is what makes beginIdempotent atomic: INSERT ... ON CONFLICT DO NOTHING.
CREATE TABLE platform_idempotency (
  scope         text COLLATE "C" NOT NULL,
  key           text COLLATE "C" NOT NULL,
  request_hash  text NOT NULL,
  state         text NOT NULL CHECK (state IN ('pending', 'done')),
  status_code   integer,
  response_body text,
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (scope, key)
);
