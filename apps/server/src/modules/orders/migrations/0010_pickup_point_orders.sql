-- A pickup point's orders by payment time: a community leader's pick list (and verification at the point)
-- reads them per batch, which must not walk the shop's every order.
CREATE INDEX orders_pickup_point_paid ON orders (shop_id, (pickup_point->>'id'), paid_at) WHERE fulfilment = 'pickup';
