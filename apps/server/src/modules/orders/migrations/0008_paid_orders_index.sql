-- "Has this customer ever paid?" is asked by every checkout (first-order offers, new-customer coupons):
-- without this index the answer walks every order of the customer until a paid one, so a customer with
-- many unpaid orders made each of their checkouts slower. With it the question is one index probe.
CREATE INDEX IF NOT EXISTS orders_customer_paid ON orders (shop_id, customer_id) WHERE paid_at IS NOT NULL;
