-- Decision logs leave the containment index.
--
-- Every decision served through the OPA API appends one document to the `decision-logs`
-- collection, thousands a second under load, and the GIN index over `body` (0003) indexed every
-- path of every logged input and result: measured on PGlite, about a fifth of the cost of writing
-- a logged decision. Decision logs are only ever filtered by `path` and read newest first, which
-- the page index (project, collection, updated_at, id) serves with a filter. Every other collection
-- keeps its containment index: a query names its collection, which the planner proves is not
-- 'decision-logs', so this partial index still serves its `where` filters.
DROP INDEX IF EXISTS app_documents_body;
CREATE INDEX app_documents_body ON app_documents USING gin (body jsonb_path_ops) WHERE collection <> 'decision-logs';
