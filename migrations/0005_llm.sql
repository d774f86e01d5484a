-- The LLM gateway's durable state on the primary: quota buckets that both DCs lease blocks from
-- (src/infra/quota/sql.ts), and the usage ledger (one row per LLM call, written in batches).
CREATE TABLE llm_quota (
  bucket     text PRIMARY KEY,
  project_id text NOT NULL,
  -- Tokens or requests handed out to processes: spent, or held by a process to spend from memory.
  leased     bigint NOT NULL CHECK (leased >= 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_quota_project_idx ON llm_quota (project_id);

CREATE TABLE llm_usage (
  id            bigserial PRIMARY KEY,
  at            timestamptz NOT NULL,
  project_id    text NOT NULL,
  key_id        text,
  subject       text NOT NULL,
  endpoint      text NOT NULL,
  alias         text NOT NULL,
  provider      text,
  model         text,
  dc            text NOT NULL,
  status        text NOT NULL,
  error_code    text,
  input_tokens  bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  cost_usd      double precision NOT NULL DEFAULT 0,
  latency_ms    integer NOT NULL,
  ttft_ms       integer,
  request_id    text
);
CREATE INDEX llm_usage_project_at_idx ON llm_usage (project_id, at);
