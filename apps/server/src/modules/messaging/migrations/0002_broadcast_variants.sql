-- A/B tests of a broadcast's message: the arms (the control first) and each recipient's arm.
ALTER TABLE broadcasts ADD COLUMN variants jsonb NOT NULL DEFAULT '[]'::jsonb;
ALTER TABLE broadcast_recipients ADD COLUMN variant text;
