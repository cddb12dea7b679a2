-- WeCom mass messages (群发) and Moments (朋友圈). A mass task becomes one add_msg_template per sender (and
-- per 10,000 customers); nothing reaches a customer until that sender confirms on their phone.

CREATE TABLE wecom_mass_tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  chat_type text NOT NULL CHECK (chat_type IN ('single', 'group')),
  audience jsonb NOT NULL,
  senders text[] NOT NULL DEFAULT '{}',
  text text NOT NULL DEFAULT '',
  attachments jsonb NOT NULL DEFAULT '[]',
  send_at timestamptz NOT NULL,
  -- Quiet hours push the creation later than send_at; the task keeps what was asked.
  not_before timestamptz,
  status text NOT NULL CHECK (status IN ('scheduled', 'creating', 'sending', 'done', 'failed', 'cancelled')),
  -- Recipients are chosen once (audience, monthly cap, opt-outs, contact budget); a retried run keeps them.
  prepared_at timestamptz,
  next_poll_at timestamptz,
  error text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX wecom_mass_tasks_shop ON wecom_mass_tasks (shop_id, created_at DESC);
CREATE INDEX wecom_mass_tasks_due ON wecom_mass_tasks (coalesce(not_before, send_at)) WHERE status = 'scheduled';
CREATE INDEX wecom_mass_tasks_polling ON wecom_mass_tasks (next_poll_at) WHERE status IN ('creating', 'sending');

-- One add_msg_template: a sender and up to 10,000 of their customers (part numbers the chunks). requested_at
-- is set before the call, so a run that died between WeCom's answer and storing msgid finds the task again
-- (get_groupmsg_list_v2) instead of creating a second one.
CREATE TABLE wecom_mass_sends (
  task_id uuid NOT NULL REFERENCES wecom_mass_tasks(id) ON DELETE CASCADE,
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  userid text NOT NULL,
  part integer NOT NULL,
  msgid text UNIQUE,
  requested_at timestamptz,
  -- WeCom's per-member status: 0 未发送, 2 已发送.
  staff_status integer NOT NULL DEFAULT 0,
  send_time timestamptz,
  results_done boolean NOT NULL DEFAULT false,
  error text,
  PRIMARY KEY (task_id, userid, part)
);

-- One row per customer (external_userid) or customer group (chat_id) of a task. budget_day: the shop day
-- whose contact counter this message holds (given back when it is not sent).
CREATE TABLE wecom_mass_recipients (
  task_id uuid NOT NULL REFERENCES wecom_mass_tasks(id) ON DELETE CASCADE,
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  target text NOT NULL,
  is_chat boolean NOT NULL DEFAULT false,
  userid text NOT NULL,
  part integer NOT NULL DEFAULT 0,
  customer_id uuid,
  status text NOT NULL CHECK (status IN ('excluded', 'pending', 'sent', 'not_friend', 'received_other', 'unconfirmed')),
  reason text,
  budget_day integer,
  send_time timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (task_id, target)
);
-- The monthly cap counts what a customer got (or may still get) this month across tasks.
CREATE INDEX wecom_mass_recipients_target ON wecom_mass_recipients (shop_id, target, created_at) WHERE status IN ('pending', 'sent');

-- Moments (朋友圈) tasks: add_moment_task, then get_moment_task_result until WeCom has the moment_id.
CREATE TABLE wecom_moments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  text text NOT NULL DEFAULT '',
  attachments jsonb NOT NULL DEFAULT '[]',
  userids text[] NOT NULL DEFAULT '{}',
  department_ids integer[] NOT NULL DEFAULT '{}',
  tag_ids text[] NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('creating', 'publishing', 'done', 'failed')),
  jobid text,
  requested_at timestamptz,
  moment_id text,
  invalid_userids text[] NOT NULL DEFAULT '{}',
  invalid_tag_ids text[] NOT NULL DEFAULT '{}',
  error text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX wecom_moments_shop ON wecom_moments (shop_id, created_at DESC);
