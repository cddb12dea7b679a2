-- Order numbers draw their last six digits from this sequence (scrambled), so two orders placed in the
-- same second never share a number unless a million orders land in that second.
CREATE SEQUENCE IF NOT EXISTS order_no_seq;

-- Lines keep the order the customer put them in (gifts last); ids are random and do not.
ALTER TABLE order_items ADD COLUMN IF NOT EXISTS position integer NOT NULL DEFAULT 0;
