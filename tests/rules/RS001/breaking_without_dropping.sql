-- unit: 001_setup
-- (the database `appdb` does not exist: the help-advice test replays these on a real server)
CREATE ROLE app LOGIN;
CREATE TABLE users (id bigint PRIMARY KEY, email text, tenant text);
CREATE SEQUENCE users_seq;
CREATE VIEW active_users AS SELECT * FROM users;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE SCHEMA reporting;
CREATE TABLE tickets (id bigint GENERATED ALWAYS AS IDENTITY, n int);
-- unit: 002_privileges
-- the running application's role may lose what it uses
REVOKE SELECT ON users FROM app; -- fires
REVOKE UPDATE (email) ON users FROM app; -- fires
REVOKE USAGE ON SEQUENCE users_seq FROM app; -- fires
REVOKE USAGE ON SCHEMA reporting FROM app; -- fires
REVOKE EXECUTE ON FUNCTION touch() FROM PUBLIC; -- fires
REVOKE CONNECT ON DATABASE appdb FROM app; -- fires
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM app; -- fires
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM app; -- fires
ALTER TABLE users OWNER TO postgres; -- fires
ALTER SEQUENCE users_seq OWNER TO postgres; -- fires
ALTER FUNCTION touch() OWNER TO postgres; -- fires
ALTER SCHEMA reporting OWNER TO postgres; -- fires
REASSIGN OWNED BY app TO postgres; -- fires
DROP OWNED BY app; -- fires
-- granting more breaks nothing
GRANT SELECT ON users TO app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO app;
-- unit: 003_row_security
ALTER TABLE users ENABLE ROW LEVEL SECURITY; -- fires
ALTER TABLE users FORCE ROW LEVEL SECURITY; -- fires
CREATE POLICY tenant_only ON users AS RESTRICTIVE USING (tenant = current_user); -- fires
ALTER POLICY tenant_only ON users USING (false); -- fires
-- a permissive policy only lets more rows through; a rename changes nothing the application sees
CREATE POLICY everyone ON users USING (true);
ALTER POLICY everyone ON users RENAME TO all_rows;
-- unit: 004_rules_views
CREATE RULE no_delete AS ON DELETE TO users DO INSTEAD NOTHING; -- fires
CREATE RULE redirect AS ON INSERT TO users DO INSTEAD INSERT INTO users VALUES (0); -- fires
CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE false; -- fires
CREATE OR REPLACE VIEW active_users AS SELECT * FROM users LIMIT 0; -- fires
-- an ALSO rule adds work; a view that still returns rows is a reviewed behaviour change
CREATE RULE log_delete AS ON DELETE TO users DO ALSO NOTIFY users_changed;
CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE email IS NOT NULL;
-- unit: 005_roles_sequences_triggers
ALTER ROLE app NOLOGIN; -- fires
ALTER ROLE app VALID UNTIL '2001-01-01'; -- fires
ALTER ROLE app CONNECTION LIMIT 0; -- fires
ALTER ROLE app PASSWORD 'rotated'; -- fires
ALTER SEQUENCE users_seq RESTART WITH 1; -- fires
SELECT setval('users_seq', 1); -- fires
ALTER TABLE users DISABLE TRIGGER users_touch; -- fires
ALTER TABLE users DISABLE TRIGGER ALL; -- fires
ALTER TABLE users ENABLE REPLICA TRIGGER users_touch; -- fires
ALTER TABLE users ADD CONSTRAINT never CHECK (false) NOT VALID; -- fires
ALTER TABLE users ADD CONSTRAINT nope CHECK (1 = 0); -- fires
-- following the data, turning back on, a setting that refuses nobody
SELECT setval('users_seq', (SELECT max(id) FROM users));
ALTER TABLE users ENABLE TRIGGER users_touch;
ALTER TABLE users ENABLE ALWAYS TRIGGER users_touch;
ALTER ROLE app LOGIN CONNECTION LIMIT -1 VALID UNTIL 'infinity';
ALTER SEQUENCE users_seq CACHE 10;
ALTER TABLE tickets ALTER COLUMN id SET INCREMENT BY 2;
ALTER DATABASE appdb CONNECTION LIMIT -1;
-- an identity moved back, a database that refuses connections
ALTER TABLE tickets ALTER COLUMN id RESTART WITH 1; -- fires
ALTER DATABASE appdb CONNECTION LIMIT 0; -- fires
ALTER DATABASE appdb ALLOW_CONNECTIONS false; -- fires
-- a new default for every session of the running application
ALTER DATABASE appdb SET default_transaction_read_only = on; -- fires
ALTER ROLE app SET search_path = reporting; -- fires
ALTER ROLE app IN DATABASE appdb SET statement_timeout = '1ms'; -- fires
ALTER DATABASE appdb RESET ALL; -- fires
-- tuning only
ALTER ROLE app SET work_mem = '64MB';
ALTER DATABASE appdb SET enable_seqscan = off;
-- the caller's privileges from now on; a check option on writes through the view
ALTER FUNCTION touch() SECURITY INVOKER; -- fires
ALTER VIEW active_users SET (security_invoker = true); -- fires
ALTER VIEW active_users SET (check_option = local); -- fires
ALTER FUNCTION touch() SECURITY DEFINER;
ALTER VIEW active_users SET (security_invoker = false);
ALTER VIEW active_users RESET (check_option);
-- unit: 006_new_objects
-- on what this change creates, nothing running depends on it
CREATE ROLE reporter LOGIN;
ALTER ROLE reporter PASSWORD 'x' CONNECTION LIMIT 5;
ALTER ROLE reporter SET search_path = reporting;
CREATE TABLE notes (id bigint, body text);
CREATE SEQUENCE notes_seq;
REVOKE ALL ON notes FROM PUBLIC;
ALTER TABLE notes OWNER TO reporter;
ALTER SEQUENCE notes_seq OWNER TO reporter;
ALTER SEQUENCE notes_seq RESTART;
SELECT setval('notes_seq', 100);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON notes AS RESTRICTIVE USING (false);
CREATE RULE ignore AS ON INSERT TO notes DO INSTEAD NOTHING;
ALTER TABLE notes ADD CONSTRAINT never CHECK (false);
CREATE FUNCTION helper() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
ALTER FUNCTION helper() OWNER TO reporter;
CREATE VIEW note_view AS SELECT * FROM notes;
CREATE OR REPLACE VIEW note_view AS SELECT * FROM notes WHERE false;
REVOKE ALL ON SEQUENCE notes_seq FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION helper() FROM PUBLIC;
CREATE SCHEMA scratch;
REVOKE ALL ON SCHEMA scratch FROM PUBLIC;
ALTER SCHEMA scratch OWNER TO reporter;
ALTER FUNCTION helper() SECURITY INVOKER;
ALTER VIEW note_view SET (security_invoker = true, check_option = cascaded);
-- unit: 007_bulk_update wrapped=true
-- triggers off for a bulk update and on again in the same transaction: the application never
-- writes while they are off (DISABLE's lock keeps it out until the commit)
ALTER TABLE users DISABLE TRIGGER USER;
UPDATE users SET tenant = 'x' WHERE id < 100;
ALTER TABLE users ENABLE TRIGGER USER;
-- unit: 008_not_restored
-- outside a transaction the application writes in between
ALTER TABLE users DISABLE TRIGGER USER; -- fires
ALTER TABLE users ENABLE TRIGGER USER;
