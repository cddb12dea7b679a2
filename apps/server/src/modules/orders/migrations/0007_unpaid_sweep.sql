-- Unpaid orders are cancelled by a sweep every few seconds instead of a job per order (checkout and
-- flash-sale batches write no job row): the sweep reads this small index of what is still unpaid.
CREATE INDEX IF NOT EXISTS orders_unpaid_expiry ON orders (pay_expires_at) WHERE status = 'pending_payment';
