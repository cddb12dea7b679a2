-- The staff (WeCom user ids) who have a live WeCom relation with the customer, fed by the wecom module's
-- `wecom.owners_changed` events, so a segment can ask "owned by" without reading that module's tables.
ALTER TABLE audience_customers ADD COLUMN wecom_owners text[] NOT NULL DEFAULT '{}';
