-- Customer groups (社群): the chats' own facts and members, group codes (群活码), group welcome templates
-- (入群欢迎语) and group SOPs.
ALTER TABLE wecom_group_chats
  ADD COLUMN created_at timestamptz,
  ADD COLUMN notice text NOT NULL DEFAULT '',
  ADD COLUMN customer_count integer NOT NULL DEFAULT 0;

-- Members as WeCom lists them; one who leaves keeps the row with left_at, so joins and quits can be counted
-- per day and per group code (state) after they are gone.
CREATE TABLE wecom_group_members (
  shop_id uuid NOT NULL,
  chat_id text NOT NULL,
  member_id text NOT NULL,
  -- 1 a staff member (userid), 2 an external customer (external_userid)
  kind smallint NOT NULL CHECK (kind IN (1, 2)),
  name text NOT NULL DEFAULT '',
  unionid text,
  join_time timestamptz NOT NULL,
  -- 1 invited directly, 2 by an invite link, 3 by scanning a QR code
  join_scene smallint NOT NULL DEFAULT 0,
  invitor text,
  -- the join way's state when the member came through a group code
  state text,
  left_at timestamptz,
  PRIMARY KEY (shop_id, chat_id, member_id),
  FOREIGN KEY (shop_id, chat_id) REFERENCES wecom_group_chats (shop_id, chat_id) ON DELETE CASCADE
);
CREATE INDEX wecom_group_members_state ON wecom_group_members (shop_id, state) WHERE state IS NOT NULL;
CREATE INDEX wecom_group_members_member ON wecom_group_members (shop_id, member_id);
CREATE INDEX wecom_group_members_join ON wecom_group_members (shop_id, join_time);
CREATE INDEX wecom_group_chats_created ON wecom_group_chats (shop_id, created_at);

CREATE TABLE wecom_group_codes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  state text NOT NULL,
  config_id text NOT NULL,
  qr_code text NOT NULL DEFAULT '',
  chat_ids text[] NOT NULL,
  auto_create_room boolean NOT NULL,
  room_base_name text NOT NULL DEFAULT '',
  room_base_id integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
-- A state names one code for good: members who joined through a deleted code still count for it.
CREATE UNIQUE INDEX wecom_group_codes_state ON wecom_group_codes (shop_id, state);

CREATE TABLE wecom_group_welcomes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  template_id text NOT NULL,
  text text NOT NULL DEFAULT '',
  attachment jsonb,
  notify_staff boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX wecom_group_welcomes_template ON wecom_group_welcomes (shop_id, template_id);

CREATE TABLE wecom_group_sops (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  anchor text NOT NULL CHECK (anchor IN ('group_created', 'member_joined')),
  chat_ids text[] NOT NULL DEFAULT '{}',
  owners text[] NOT NULL DEFAULT '{}',
  steps jsonb NOT NULL,
  active boolean NOT NULL DEFAULT true,
  -- steps due before this instant are not sent: an SOP starts from when it was switched on, not back in time
  active_since timestamptz NOT NULL DEFAULT now(),
  -- the last tick's now: the next one looks only at steps due since (less a margin), not at every anchor ever
  checked_until timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);

-- One row per (SOP, step, target) ever due: the primary key is what keeps a step from going twice to a
-- group (target = chat_id) or a member (target = chat_id/external_userid), whatever the scheduler does.
CREATE TABLE wecom_group_sop_runs (
  sop_id uuid NOT NULL REFERENCES wecom_group_sops(id) ON DELETE CASCADE,
  step_index integer NOT NULL,
  target text NOT NULL,
  shop_id uuid NOT NULL,
  chat_id text NOT NULL,
  external_userid text,
  owner text NOT NULL,
  due_at timestamptz NOT NULL,
  -- queued: handed to a mass task; skipped: with the reason
  status text NOT NULL CHECK (status IN ('queued', 'sent', 'skipped')),
  reason text,
  mass_task_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sop_id, step_index, target)
);
CREATE INDEX wecom_group_sop_runs_task ON wecom_group_sop_runs (mass_task_id) WHERE mass_task_id IS NOT NULL;
