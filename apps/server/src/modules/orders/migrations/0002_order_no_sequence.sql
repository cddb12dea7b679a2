-- Order numbers draw their last six digits from this sequence (scrambled), so two orders placed in the
-- same second never share a number unless a million orders land in that second.
CREATE SEQUENCE IF NOT EXISTS order_no_seq;
