-- Jobs: a small Postgres queue (works the same on PGlite and PostgreSQL).
CREATE TABLE jobs (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  singleton_key text,
  state text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'active', 'done', 'failed')),
  attempts int NOT NULL DEFAULT 0,
  max_attempts int NOT NULL DEFAULT 5,
  run_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX jobs_singleton ON jobs (queue, singleton_key) WHERE singleton_key IS NOT NULL;
CREATE INDEX jobs_ready ON jobs (run_at, id) WHERE state IN ('queued', 'active');

CREATE TABLE job_schedules (
  name text PRIMARY KEY,
  every_ms int NOT NULL,
  next_run_at timestamptz NOT NULL
);

-- Transactional outbox: events are written in the same transaction as the change that caused them.
CREATE TABLE outbox_events (
  id bigserial PRIMARY KEY,
  shop_id uuid,
  type text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz
);
CREATE INDEX outbox_pending ON outbox_events (id) WHERE dispatched_at IS NULL;

-- A subscriber records each event it handled in the same transaction as its effect: at-least-once
-- delivery becomes exactly-once effect.
CREATE TABLE processed_events (
  subscriber text NOT NULL,
  event_id bigint NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscriber, event_id)
);

-- Idempotency-Key records for retried HTTP writes.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
  response_status int,
  response_body jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
