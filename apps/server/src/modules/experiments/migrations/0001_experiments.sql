-- Experiments (A/B 实验): storefront feature flags with variants, and each person's sticky assignment.

CREATE TABLE experiments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  shop_id uuid NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
  key text NOT NULL,
  name text NOT NULL,
  hypothesis text NOT NULL DEFAULT '',
  variants jsonb NOT NULL,
  traffic_percent integer NOT NULL CHECK (traffic_percent BETWEEN 1 AND 100),
  metric_event text NOT NULL,
  window_days integer NOT NULL,
  mde_percent numeric NOT NULL,
  primary_metric text NOT NULL CHECK (primary_metric IN ('conversion', 'revenue')),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'stopped')),
  -- Hashing salt: a restarted copy of an experiment must not reuse the old split.
  salt text NOT NULL DEFAULT md5(gen_random_uuid()::text),
  -- After stopping, everyone sees this variant (the one shipped), or the control when NULL.
  shipped_variant text,
  started_at timestamptz,
  stopped_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX experiments_key ON experiments (shop_id, key);

-- One row per (experiment, subject): the anonymous id of a device (a:<id>) or a customer (c:<uuid>).
-- A person seen first on a device and then signed in gets the device's variant under both subjects.
CREATE TABLE experiment_assignments (
  experiment_id uuid NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  subject text NOT NULL,
  variant text NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (experiment_id, subject)
);
