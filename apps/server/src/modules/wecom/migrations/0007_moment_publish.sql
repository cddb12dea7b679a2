-- Who of a Moment's staff has published it on their phone (get_moment_task): WeCom only puts the Moment on each
-- member's phone; it reaches customers when the member taps 发表. userid → publish_status (0 not yet, 1 done).
ALTER TABLE wecom_moments
  ADD COLUMN published jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN published_checked_at timestamptz;
CREATE INDEX wecom_moments_publishing ON wecom_moments (finished_at) WHERE status = 'done';
