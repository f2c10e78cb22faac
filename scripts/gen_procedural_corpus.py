#!/usr/bin/env python3
"""Generates a DO-heavy migration corpus for measuring E004 (what rollsafe cannot see): per file
the guard blocks Drizzle and hand-written idempotent migrations use (an enum type and a foreign
key behind `EXCEPTION WHEN duplicate_object`, a column and an index behind catalog checks), a
trigger function, and sometimes a dynamic `EXECUTE` loop or a call of a function the migrations
do not define. Deterministic. Usage: scripts/gen_procedural_corpus.py OUT_DIR FILES

    rollsafe check --format compact OUT_DIR | grep -c '\[E004\]'
"""
import os, random, sys
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
os.makedirs(out, exist_ok=True)
for i in range(1, n + 1):
    p = []
    p.append(f"""DO $$ BEGIN
 CREATE TYPE "public"."status_{i}" AS ENUM('active', 'inactive');
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;""")
    p.append(f"CREATE TABLE IF NOT EXISTS t{i} (id bigint PRIMARY KEY, parent_id bigint, updated_at timestamptz);")
    p.append(f"""DO $$ BEGIN
 ALTER TABLE "t{i}" ADD CONSTRAINT "t{i}_parent_fk" FOREIGN KEY ("parent_id") REFERENCES "t{i}"("id") ON DELETE no action ON UPDATE no action;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;""")
    p.append(f"""DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't{i}' AND column_name = 'note') THEN
    ALTER TABLE t{i} ADD COLUMN note text;
  END IF;
  IF to_regclass('public.t{i}_note_idx') IS NULL THEN
    CREATE INDEX t{i}_note_idx ON t{i} (note);
  END IF;
END $$;""")
    p.append(f"""CREATE OR REPLACE FUNCTION set_updated_at_{i}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS t{i}_touch ON t{i};
CREATE TRIGGER t{i}_touch BEFORE UPDATE ON t{i} FOR EACH ROW EXECUTE FUNCTION set_updated_at_{i}();""")
    if rng.random() < 0.3:
        p.append(f"UPDATE t{i} SET note = 'x' WHERE id < 100;")
    if rng.random() < 0.1:
        p.append(f"""DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('GRANT SELECT ON %I TO reporting', r.tablename);
  END LOOP;
END $$;""")
    if rng.random() < 0.1:
        p.append(f"SELECT pg_advisory_lock({i}); SELECT set_config('lock_timeout', '2s', false);")
    if rng.random() < 0.05:
        p.append("SELECT audit.enable_tracking('public.t%d');" % i)
    with open(os.path.join(out, f"{i:05d}_m{i}.up.sql"), "w") as f:
        f.write("\n\n".join(p) + "\n")
