-- Handover (在职转接 / 离职继承): a staff member's customers and customer groups handed to a taker, sent to
-- WeCom in chunks of 100 and followed until WeCom reports each customer's result.

-- A relation ends by transfer once WeCom reports it taken over; the taker's relation may be known (from
-- WeCom's add event) before that result, and then waits as `taking_over` so no customer has two owners.
ALTER TABLE wecom_relations DROP CONSTRAINT IF EXISTS wecom_relations_status_check;
ALTER TABLE wecom_relations ADD CONSTRAINT wecom_relations_status_check
  CHECK (status IN ('active', 'deleted_by_staff', 'deleted_by_customer', 'transferred', 'taking_over'));

-- `transfer_requested`: WeCom accepted a transfer of the customer (an on-job one counts towards its
-- 2 per 90 days, whatever the outcome); `transferred`: the customer was taken over.
ALTER TABLE wecom_relation_history DROP CONSTRAINT IF EXISTS wecom_relation_history_kind_check;
ALTER TABLE wecom_relation_history ADD CONSTRAINT wecom_relation_history_kind_check
  CHECK (kind IN ('added', 'deleted_by_staff', 'deleted_by_customer', 'transferred', 'transfer_failed', 'transfer_requested'));
CREATE INDEX wecom_relation_history_transfers ON wecom_relation_history (shop_id, at) WHERE kind = 'transfer_requested';

-- Customer groups (客户群) as far as a handover needs them: who owns which chat.
CREATE TABLE wecom_group_chats (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  chat_id text NOT NULL,
  name text NOT NULL DEFAULT '',
  owner text NOT NULL,
  -- WeCom's: 0 normal, 1 owner left (跟进人离职), 2 being inherited, 3 inherited
  status integer NOT NULL DEFAULT 0,
  member_count integer NOT NULL DEFAULT 0,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shop_id, chat_id)
);
CREATE INDEX wecom_group_chats_owner ON wecom_group_chats (shop_id, owner);

CREATE TABLE wecom_handovers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  -- onjob: transfer_customer (the handover is still employed); resigned: resigned/transfer_customer
  kind text NOT NULL CHECK (kind IN ('onjob', 'resigned')),
  handover_userid text NOT NULL,
  takeover_userid text NOT NULL,
  success_msg text,
  -- sending: the job has customers or groups left to send; waiting: results pending; done: all settled
  status text NOT NULL DEFAULT 'sending' CHECK (status IN ('sending', 'waiting', 'done')),
  -- customers refused before anything was sent, with the reason (they are not part of the handover)
  refusals jsonb NOT NULL DEFAULT '[]',
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  last_polled_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX wecom_handovers_shop ON wecom_handovers (shop_id, created_at DESC);
CREATE INDEX wecom_handovers_open ON wecom_handovers (status) WHERE status <> 'done';

-- One row per (handover, customer): the handover has one taker, so this is the (handover, takeover,
-- customer) key a retried job checks before sending. `claimed_at` is set, and committed, before the call
-- that sends the chunk: a row claimed without an errcode was perhaps sent, and is reconciled with
-- transfer_result before anything is sent again.
CREATE TABLE wecom_handover_customers (
  handover_id uuid NOT NULL REFERENCES wecom_handovers(id) ON DELETE CASCADE,
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  external_userid text NOT NULL,
  relation_id uuid REFERENCES wecom_relations(id) ON DELETE SET NULL,
  state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'sending', 'waiting', 'done', 'refused', 'limit', 'failed')),
  chunk integer,
  errcode integer,
  -- WeCom's transfer status: 1 接替完毕, 2 等待接替, 3 客户拒绝, 4 接替成员客户达到上限, 5 无接替记录
  wecom_status integer,
  requested_at timestamptz NOT NULL DEFAULT now(),
  claimed_at timestamptz,
  sent_at timestamptz,
  takeover_at timestamptz,
  settled_at timestamptz,
  PRIMARY KEY (handover_id, external_userid)
);
-- A customer is in at most one open handover: two transfers of one customer at once would leave WeCom
-- deciding (40129) which one Siyu thinks happened.
CREATE UNIQUE INDEX wecom_handover_customers_open ON wecom_handover_customers (shop_id, external_userid) WHERE state IN ('requested', 'sending', 'waiting');

CREATE TABLE wecom_handover_groups (
  handover_id uuid NOT NULL REFERENCES wecom_handovers(id) ON DELETE CASCADE,
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  chat_id text NOT NULL,
  state text NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'done', 'failed')),
  chunk integer,
  errcode integer,
  requested_at timestamptz NOT NULL DEFAULT now(),
  settled_at timestamptz,
  PRIMARY KEY (handover_id, chat_id)
);
CREATE UNIQUE INDEX wecom_handover_groups_open ON wecom_handover_groups (shop_id, chat_id) WHERE state = 'requested';
