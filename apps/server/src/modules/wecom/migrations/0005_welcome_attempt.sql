-- When the welcome was first tried: a send that went through but whose answer was lost (a timeout) is
-- retried by the job and meets 41051 "code used" — used by that first try, so the welcome counts as sent.
ALTER TABLE wecom_callbacks ADD COLUMN welcome_attempted_at timestamptz;
