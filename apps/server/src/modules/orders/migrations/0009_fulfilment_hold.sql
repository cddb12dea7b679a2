-- A paid order another module keeps from being shipped or picked up until its condition is met (a group
-- buy's group must fill first). NULL for every ordinary order.
ALTER TABLE orders ADD COLUMN fulfilment_hold text;
CREATE INDEX orders_held ON orders (shop_id, fulfilment_hold) WHERE fulfilment_hold IS NOT NULL;
