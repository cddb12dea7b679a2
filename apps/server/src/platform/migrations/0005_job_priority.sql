-- Jobs whose delay a customer feels (a flash sale's order batches) go before a backlog of event
-- deliveries: ready jobs are taken by priority, then by time.
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS priority smallint NOT NULL DEFAULT 0;
DROP INDEX IF EXISTS jobs_ready;
CREATE INDEX jobs_ready ON jobs (priority DESC, run_at, id) WHERE state IN ('queued', 'active');
