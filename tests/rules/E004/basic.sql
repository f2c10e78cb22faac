-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY, legacy text);
CREATE OR REPLACE FUNCTION known_fn() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE OR REPLACE FUNCTION in_python() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$;
CREATE OR REPLACE FUNCTION in_c() RETURNS int LANGUAGE c AS 'lib', 'sym';

-- unit: 002_opaque
-- fires: SQL built at run time
DO $$
DECLARE t text := current_setting('app.table');
BEGIN
  EXECUTE 'DROP TABLE ' || quote_ident(t); -- fires
END $$;
-- fires: calls of functions the migrations do not define
SELECT cleanup_everything(); -- fires
CALL app.maintenance(); -- fires
DO $$ BEGIN PERFORM dblink_exec('DROP TABLE users'); END $$; -- fires
-- fires: other languages
DO LANGUAGE plpython3u $$ plpy.execute("DROP TABLE users") $$; -- fires
SELECT in_python(); -- fires
SELECT in_c(); -- fires
-- fires: a body the parser rejects
DO $$ BEGIN DROP TABLE; END $$; -- fires
-- fires: event triggers run later
CREATE EVENT TRIGGER e ON ddl_command_start EXECUTE FUNCTION known_fn(); -- fires

-- unit: 003_understood
-- silent: the common idempotent guard blocks are fully understood
DO $$ BEGIN
 CREATE TYPE "public"."status" AS ENUM('active', 'inactive');
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
DO $$ BEGIN
 ALTER TABLE "users" ADD CONSTRAINT "users_id_fk" FOREIGN KEY ("id") REFERENCES "users"("id") NOT VALID;
EXCEPTION
 WHEN duplicate_object THEN null;
END $$;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email') THEN
    ALTER TABLE users ADD COLUMN email text;
  END IF;
  IF to_regclass('public.users_email_idx') IS NULL THEN
    CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
  END IF;
END $$;
-- silent: known PostgreSQL functions and functions the migrations define
SELECT now(), nextval('s'), set_config('lock_timeout', '2s', false), pg_advisory_lock(42);
SELECT known_fn();
DO $$ DECLARE n int; BEGIN n := known_fn(); PERFORM pg_sleep(0); RAISE NOTICE 'n=%', n; END $$;

-- unit: 004_approved
-- fires: reported, and approved by a contract marker or an allow (the snapshot shows them suppressed)
-- rollsafe:contract approved-by=alice ticket=DB-9
SELECT cleanup_everything(); -- fires
-- rollsafe:allow E004 reason="reviewed: only writes a log row"
SELECT write_log(); -- fires
-- unit: 050_prepared
-- a prepared statement from another session (or none): rollsafe cannot see what it runs
EXECUTE purge_everything; -- fires
DEALLOCATE ALL;
PREPARE known AS SELECT 1;
EXECUTE known;
DEALLOCATE known;
EXECUTE known; -- fires
