-- Birthday (生日), for birthday privileges. The customer may set it once; staff may correct it.
ALTER TABLE customers
  ADD COLUMN birthday date CHECK (birthday >= DATE '1900-01-01'),
  ADD COLUMN birthday_set_at timestamptz;
-- The daily birthday job looks customers up by month and day.
CREATE INDEX customers_birthday ON customers ((EXTRACT(MONTH FROM birthday)), (EXTRACT(DAY FROM birthday)))
  WHERE birthday IS NOT NULL AND merged_into IS NULL;
