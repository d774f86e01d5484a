-- The access change feed: every change to who may do what (API keys, members, platform admins,
-- projects) is recorded by triggers in the same transaction as the change itself, so no writer can
-- forget it and no crash can separate the two. Every process (both DCs on a shared Postgres) polls
-- it by position to drop exactly the cache entries that changed (plugins/platform/directory.ts).
--
-- Positions come from one counter row that each recording transaction locks until it commits, so
-- positions become visible in commit order without gaps: a poller that has seen position N has
-- seen everything up to N. That serialises access writes, which are rare (admin actions); touching a
-- key's last_used_at, the only frequent write, is not a change of access and records nothing.
CREATE TABLE platform_access_position (
  id smallint PRIMARY KEY CHECK (id = 1),
  position bigint NOT NULL
);
INSERT INTO platform_access_position (id, position) VALUES (1, 0);

CREATE TABLE platform_access_changes (
  position bigint PRIMARY KEY,
  kind     text NOT NULL CHECK (kind IN ('apikey', 'admin', 'member', 'project')),
  key      text NOT NULL,
  at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX platform_access_changes_at_idx ON platform_access_changes (at);

CREATE FUNCTION platform_record_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
  k text;
  n bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  -- IF rather than CASE: PL/pgSQL resolves every field a CASE names, and each table has only its own.
  IF TG_ARGV[0] = 'member' THEN
    k := r.project_id || '/' || r.subject;
  ELSIF TG_ARGV[0] = 'admin' THEN
    k := r.subject;
  ELSE
    k := r.id;
  END IF;
  UPDATE platform_access_position SET position = position + 1 WHERE id = 1 RETURNING position INTO n;
  INSERT INTO platform_access_changes (position, kind, key) VALUES (n, TG_ARGV[0], k);
  RETURN NULL;
END
$$;

CREATE TRIGGER platform_api_keys_access AFTER INSERT OR DELETE ON platform_api_keys
  FOR EACH ROW EXECUTE FUNCTION platform_record_access_change('apikey');
CREATE TRIGGER platform_api_keys_access_update AFTER UPDATE ON platform_api_keys
  FOR EACH ROW WHEN (
    OLD.secret_hash IS DISTINCT FROM NEW.secret_hash OR OLD.subject IS DISTINCT FROM NEW.subject
    OR OLD.project_id IS DISTINCT FROM NEW.project_id OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
    OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
  ) EXECUTE FUNCTION platform_record_access_change('apikey');
CREATE TRIGGER platform_members_access AFTER INSERT OR UPDATE OR DELETE ON platform_members
  FOR EACH ROW EXECUTE FUNCTION platform_record_access_change('member');
CREATE TRIGGER platform_admins_access AFTER INSERT OR UPDATE OR DELETE ON platform_admins
  FOR EACH ROW EXECUTE FUNCTION platform_record_access_change('admin');
CREATE TRIGGER platform_projects_access AFTER INSERT OR DELETE ON platform_projects
  FOR EACH ROW EXECUTE FUNCTION platform_record_access_change('project');
