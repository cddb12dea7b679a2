-- 阶梯团 (tiered group buy): the price falls as the group grows. An activity lists its tier sizes (ascending,
-- the last is group_size) and each SKU its price per tier (the first is group_price_fen, what buyers pay).
-- A tiered group succeeds at the first tier — holds lift, orders ship — and keeps taking members until it is
-- full or its time is up; then it is settled: every member gets the difference to the tier reached back,
-- as a price-difference refund (money, no units), once per order.
ALTER TABLE group_buys ADD COLUMN tier_sizes integer[];
ALTER TABLE group_buys ADD CONSTRAINT group_buys_tiers CHECK (
  tier_sizes IS NULL OR (cardinality(tier_sizes) BETWEEN 2 AND 5 AND tier_sizes[cardinality(tier_sizes)] = group_size AND tier_sizes[1] >= 2
    AND leader_mode = 'same' AND virtual_threshold_pct IS NULL));
ALTER TABLE group_buy_items ADD COLUMN tier_prices_fen integer[];

ALTER TABLE group_buy_groups ADD COLUMN tiered boolean NOT NULL DEFAULT false;
ALTER TABLE group_buy_groups ADD COLUMN min_size integer;
ALTER TABLE group_buy_groups ADD COLUMN settled_at timestamptz;
ALTER TABLE group_buy_groups ADD COLUMN tier_size_reached integer;
-- A settlement that had to wait for a member's open after-sales case is not looked at again before this, so a
-- few such groups cannot fill every round of the sweep and hold up the rest.
ALTER TABLE group_buy_groups ADD COLUMN settle_retry_at timestamptz;

-- A succeeded group is full, except a tiered one, which succeeds from its first tier.
DO $$
DECLARE c text;
BEGIN
  SELECT conname INTO c FROM pg_constraint
  WHERE conrelid = 'group_buy_groups'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%succeeded%';
  IF c IS NOT NULL THEN EXECUTE format('ALTER TABLE group_buy_groups DROP CONSTRAINT %I', c); END IF;
END $$;
ALTER TABLE group_buy_groups ADD CONSTRAINT group_buy_groups_succeeded CHECK (
  status <> 'succeeded' OR filled + virtual_seats = size OR (tiered AND filled >= min_size));
ALTER TABLE group_buy_groups ADD CONSTRAINT group_buy_groups_tiered CHECK (NOT tiered OR min_size BETWEEN 2 AND size);
CREATE INDEX group_buy_groups_unsettled ON group_buy_groups (expires_at) WHERE tiered AND status = 'succeeded' AND settled_at IS NULL;

-- What each member got back when their group was settled at its tier.
ALTER TABLE group_buy_orders ADD COLUMN tier_refund_fen integer;
