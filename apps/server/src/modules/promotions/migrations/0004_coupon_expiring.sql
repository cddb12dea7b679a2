-- "Your coupon expires soon" is told once per coupon: the sweep marks what it announced.
ALTER TABLE coupons ADD COLUMN expiring_notified_at timestamptz;
CREATE INDEX coupons_expiring ON coupons (valid_to) WHERE status = 'unused' AND expiring_notified_at IS NULL;
