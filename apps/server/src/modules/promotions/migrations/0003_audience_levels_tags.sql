-- A coupon can be for members of given levels or customers carrying given tags (loyalty and tags modules).
ALTER TABLE coupon_templates DROP CONSTRAINT IF EXISTS coupon_templates_audience_check;
ALTER TABLE coupon_templates ADD CONSTRAINT coupon_templates_audience_check CHECK (audience IN ('all', 'new_customers', 'levels', 'tags'));
ALTER TABLE coupon_templates ADD COLUMN IF NOT EXISTS audience_ids uuid[] NOT NULL DEFAULT '{}';
