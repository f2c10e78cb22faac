-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY, note text);

-- unit: 002_guarded
-- fires: an index built inside a DO block on an existing table
DO $$
BEGIN
  IF to_regclass('public.orders_note_idx') IS NULL THEN
    CREATE INDEX orders_note_idx ON orders (note); -- fires
  END IF;
END $$;
-- silent: a table created earlier in the same DO block is new
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'notes') THEN
    CREATE TABLE notes (id bigint, body text);
    CREATE INDEX notes_body_idx ON notes (body);
  END IF;
END $$;
