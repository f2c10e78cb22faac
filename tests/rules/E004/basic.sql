-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY, legacy text);
CREATE OR REPLACE FUNCTION known_fn() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE OR REPLACE FUNCTION in_python() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$;
CREATE OR REPLACE FUNCTION in_c() RETURNS int LANGUAGE c AS 'lib', 'sym';
CREATE OR REPLACE FUNCTION two_dynamic() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE 'DROP TABLE ' || current_setting('app.a');
  EXECUTE 'DROP TABLE ' || current_setting('app.b');
END $$;
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.updated_at := now(); RETURN NEW; END $$;
CREATE OR REPLACE FUNCTION manage_updated_at(_tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TRIGGER set_updated_at BEFORE UPDATE ON %s FOR EACH ROW EXECUTE PROCEDURE set_updated_at()', _tbl);
END $$;

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
-- fires: a helper's EXECUTE whose argument is only known at run time
SELECT manage_updated_at(current_setting('app.table')); -- fires
-- fires: once for a call that reaches two such places (both listed)
SELECT two_dynamic(); -- fires
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
-- silent: the same helper called with a constant: its EXECUTE is read as the SQL it makes
SELECT manage_updated_at('users');
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
