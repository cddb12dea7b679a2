-- 分享: short signed scenes behind share links, posters and 小程序码. A scene is `<id>.<signature>`
-- (≤ 32 characters, WeChat's getUnlimitedQRCode limit); the row says what it points at and who shared it,
-- so binding a customer to a promoter is decided from this row, never from anything the client sends.
CREATE TABLE share_scenes (
  shop_id uuid NOT NULL REFERENCES shops(id),
  id text NOT NULL CHECK (id ~ '^[0-9A-Za-z]{10}$'),
  kind text NOT NULL CHECK (kind IN ('product', 'group', 'bargain', 'promoter')),
  target_id uuid,
  sharer_customer_id uuid,
  -- The live scene of its (kind, target, sharer); an expired one stays (it answers 410, not 404) but
  -- stops being current, so the next share gets a fresh scene.
  current boolean NOT NULL DEFAULT true,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, id),
  CHECK ((kind = 'promoter') = (target_id IS NULL))
);
-- One live scene per (kind, target, sharer): the same share tapped twice gives the same scene and poster.
CREATE UNIQUE INDEX share_scenes_current ON share_scenes (shop_id, kind, target_id, sharer_customer_id) NULLS NOT DISTINCT WHERE current;
CREATE INDEX share_scenes_expired ON share_scenes (expires_at) WHERE current;
