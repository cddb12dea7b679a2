-- Segments: a dynamic group's members are kept (not computed on every read), with each entry and exit
-- recorded; the rule is the nested AND / OR form (older flat conditions are read as its AND).

ALTER TABLE customer_groups ADD COLUMN member_count integer NOT NULL DEFAULT 0;
-- NULL until the first full computation; the sweep computes groups that have none.
ALTER TABLE customer_groups ADD COLUMN refreshed_at timestamptz;

ALTER TABLE audience_customers ADD COLUMN follows_oa boolean NOT NULL DEFAULT false;
-- Followers from before (on a new database the official-account tables come later and hold nobody yet).
DO $$ BEGIN
  IF to_regclass('mp_followers') IS NOT NULL THEN
    EXECUTE 'UPDATE audience_customers c SET follows_oa = true
      WHERE EXISTS (SELECT 1 FROM mp_followers f WHERE f.shop_id = c.shop_id AND f.customer_id = c.customer_id AND f.subscribed)';
  END IF;
END $$;

CREATE INDEX customer_group_members_customer ON customer_group_members (shop_id, customer_id);

CREATE TABLE customer_group_changes (
  id bigserial PRIMARY KEY,
  group_id uuid NOT NULL REFERENCES customer_groups(id),
  shop_id uuid NOT NULL REFERENCES shops(id),
  customer_id uuid NOT NULL,
  change text NOT NULL CHECK (change IN ('entered', 'left')),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_group_changes_group ON customer_group_changes (group_id, id);

-- Static groups count their list too, so every group's size is one read.
UPDATE customer_groups g SET member_count = (SELECT count(*) FROM customer_group_members m WHERE m.group_id = g.id) WHERE kind = 'static';
