ALTER TABLE orders ALTER COLUMN created_at SET DEFAULT now();
