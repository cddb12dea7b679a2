-- Product reviews (评价): one per order line of a completed order, shown on the product page unless staff
-- hide it. Title, spec and author are snapshots, so a review reads the same after the product changes.
CREATE TABLE product_reviews (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  order_id uuid NOT NULL,
  order_no text NOT NULL,
  order_item_id uuid NOT NULL,
  product_id uuid NOT NULL,
  sku_id uuid NOT NULL,
  product_title text NOT NULL,
  spec_text text NOT NULL DEFAULT '',
  -- Masked (张**, 138****1234) when the review is written.
  author_name text NOT NULL,
  rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  content text NOT NULL DEFAULT '' CHECK (char_length(content) <= 500),
  status text NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'hidden')),
  moderated_at timestamptz,
  moderated_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Once per order line, however often or however fast the customer submits.
CREATE UNIQUE INDEX product_reviews_line ON product_reviews (shop_id, order_item_id);
CREATE INDEX product_reviews_product ON product_reviews (shop_id, product_id, created_at DESC) WHERE status = 'visible';
CREATE INDEX product_reviews_shop ON product_reviews (shop_id, created_at DESC);
CREATE INDEX product_reviews_customer ON product_reviews (shop_id, customer_id, order_id);
