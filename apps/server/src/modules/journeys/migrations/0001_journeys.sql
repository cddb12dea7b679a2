-- Journeys (自动化营销): a trigger and a graph of nodes. Each customer walks at most one live instance per
-- journey, on the version it entered; every node a customer passes is one step row, written in the same
-- transaction as the node's effect and the instance's new state.

CREATE TABLE journeys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'live', 'paused', 'ended')),
  -- The latest version; new entries go on it once published.
  version integer NOT NULL DEFAULT 1,
  -- Copied from the current version's trigger, so subscribers and jobs find live journeys by index.
  trigger_kind text NOT NULL,
  trigger_event text,
  trigger_group_id uuid,
  -- A schedule trigger's next occurrence.
  next_run_at timestamptz,
  -- Signs webhook calls (X-Siyu-Signature).
  secret text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  ended_at timestamptz
);
CREATE INDEX journeys_shop ON journeys (shop_id, created_at DESC);
CREATE INDEX journeys_live_trigger ON journeys (shop_id, trigger_kind, trigger_event) WHERE status = 'live';

-- A published version never changes (the service writes a new one); a draft's single version is edited in place.
CREATE TABLE journey_versions (
  journey_id uuid NOT NULL REFERENCES journeys(id) ON DELETE CASCADE,
  version integer NOT NULL,
  definition jsonb NOT NULL,
  published_at timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (journey_id, version)
);

CREATE TABLE journey_instances (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  journey_id uuid NOT NULL REFERENCES journeys(id) ON DELETE CASCADE,
  version integer NOT NULL,
  customer_id uuid NOT NULL,
  arm text NOT NULL CHECK (arm IN ('treatment', 'holdout')),
  -- A test run (POST /journeys/:id/test-run): never in the holdout, never counted.
  test boolean NOT NULL DEFAULT false,
  status text NOT NULL CHECK (status IN ('active', 'waiting', 'converted', 'exited', 'done')),
  -- active: the node to run next (null: the entry edge's target). waiting: the node waited at.
  node_id text,
  -- Steps written so far; the next step is seq + 1.
  seq integer NOT NULL DEFAULT 0,
  wake_at timestamptz,
  waiting_event text,
  -- Set when the awaited event happened (wait_event takes its `yes` branch).
  event_hit boolean NOT NULL DEFAULT false,
  -- Who is working on it (a claim expires, so a killed worker's instances are taken up again).
  lease_until timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  -- What made it enter (an event id, a day, a schedule slot): the same entry never happens twice.
  entry_key text,
  entered_at timestamptz NOT NULL,
  ended_at timestamptz,
  exit_reason text,
  -- The goal: its event and the end of its window, fixed at entry from the version.
  goal_event text,
  goal_until timestamptz,
  exit_group_id uuid,
  converted_at timestamptz,
  converted_order_id text,
  converted_fen bigint,
  -- Orders paid within the goal window (both arms), for the result.
  orders integer NOT NULL DEFAULT 0,
  revenue_fen bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- At most one live instance per (journey, customer), whatever enters at once.
CREATE UNIQUE INDEX journey_instances_one_live ON journey_instances (journey_id, customer_id) WHERE status IN ('active', 'waiting') AND NOT test;
CREATE UNIQUE INDEX journey_instances_entry ON journey_instances (journey_id, customer_id, entry_key) WHERE entry_key IS NOT NULL AND NOT test;
CREATE INDEX journey_instances_due ON journey_instances (wake_at) WHERE status IN ('active', 'waiting');
CREATE INDEX journey_instances_customer ON journey_instances (shop_id, customer_id, entered_at DESC);
CREATE INDEX journey_instances_journey ON journey_instances (journey_id, version, status);

-- One row per node passed. (instance, seq) is unique: a retried step never runs twice.
CREATE TABLE journey_steps (
  instance_id uuid NOT NULL REFERENCES journey_instances(id) ON DELETE CASCADE,
  seq integer NOT NULL,
  shop_id uuid NOT NULL,
  journey_id uuid NOT NULL,
  version integer NOT NULL,
  node_id text NOT NULL,
  outcome text NOT NULL,
  detail jsonb,
  at timestamptz NOT NULL,
  PRIMARY KEY (instance_id, seq)
);
CREATE INDEX journey_steps_node ON journey_steps (journey_id, version, node_id);

-- Dates a date_property trigger or wait_until_date needs and that other modules announce by event
-- (member_card.changed, order.paid): a read model, so no other module's table is read at run time.
CREATE TABLE journey_customer_dates (
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  customer_id uuid NOT NULL,
  property text NOT NULL CHECK (property IN ('member_card_end', 'last_paid_at')),
  at timestamptz NOT NULL,
  PRIMARY KEY (shop_id, customer_id, property)
);
CREATE INDEX journey_customer_dates_at ON journey_customer_dates (property, at);
INSERT INTO journey_customer_dates (shop_id, customer_id, property, at)
  SELECT shop_id, customer_id, 'member_card_end', expires_at FROM customer_cards
  ON CONFLICT DO NOTHING;
INSERT INTO journey_customer_dates (shop_id, customer_id, property, at)
  SELECT shop_id, customer_id, 'last_paid_at', max(paid_at) FROM orders WHERE paid_at IS NOT NULL GROUP BY shop_id, customer_id
  ON CONFLICT DO NOTHING;
