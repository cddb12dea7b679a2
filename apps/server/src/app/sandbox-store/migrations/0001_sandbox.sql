-- What the bundled vendor simulators (packages/sandbox) remember on the vendor's side: merchants, orders,
-- refunds, pending notifications, the SMS inbox, OAuth codes. One sandbox serves every shop, as one WeChat
-- Pay serves every merchant, so these rows have no shop_id; only the sandbox reads or writes them.
CREATE TABLE sandbox_records (
  kind text NOT NULL,
  key text NOT NULL,
  value jsonb NOT NULL,
  ref text,
  due_at timestamptz,
  expires_at timestamptz,
  seq bigserial NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, key)
);
CREATE INDEX sandbox_records_due ON sandbox_records (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX sandbox_records_by_ref ON sandbox_records (kind, ref, seq) WHERE ref IS NOT NULL;
CREATE INDEX sandbox_records_by_seq ON sandbox_records (kind, seq);
CREATE INDEX sandbox_records_expiry ON sandbox_records (expires_at) WHERE expires_at IS NOT NULL;

-- Before this table the sandbox forgot its merchants at every restart and shops re-registered theirs from the
-- restore token kept in their settings. Importing those records once keeps existing installs taking payments.
DO $$
DECLARE
  token text;
  merchant jsonb;
BEGIN
  FOR token IN SELECT settings->'wechatPay'->>'sandboxRestoreToken' FROM shops WHERE settings->'wechatPay' ? 'sandboxRestoreToken' LOOP
    BEGIN
      merchant := convert_from(decode(rpad(translate(token, '-_', '+/'), (length(token) + 3) / 4 * 4, '='), 'base64'), 'UTF8')::jsonb;
      IF merchant ? 'mchId' AND merchant ? 'platformPrivateKeyPem' THEN
        INSERT INTO sandbox_records (kind, key, value) VALUES ('wxpay.merchant', merchant->>'mchId', merchant) ON CONFLICT DO NOTHING;
      END IF;
    EXCEPTION WHEN others THEN
      -- A malformed token is skipped rather than stopping start-up.
      NULL;
    END;
  END LOOP;
END $$;
