-- Coupons can also come from the points mall (积分商城), redeemed with points.
ALTER TABLE coupons DROP CONSTRAINT IF EXISTS coupons_source_check;
ALTER TABLE coupons ADD CONSTRAINT coupons_source_check CHECK (source IN ('claim', 'issue', 'new_customer', 'pay_gift', 'pack', 'points_mall'));
