-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY, legacy text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint);
CREATE TABLE audit (id bigint);

-- unit: 002_do_blocks
-- fires: a DROP inside a DO block is reported at its own line
DO $$
BEGIN
  DROP TABLE audit; -- fires
END $$;

-- A constant EXECUTE is read as the SQL it runs.
DO $$
BEGIN
  EXECUTE format('ALTER TABLE %I DROP COLUMN %I', 'users', 'legacy'); -- fires
  EXECUTE 'TRUNCATE ' || 'orders'; -- fires
END $$;

-- fires: reported, and approved by the contract marker on the DO (the snapshot shows it suppressed)
-- rollsafe:contract approved-by=alice ticket=DB-1
DO $$ BEGIN DROP TABLE audit; END $$; -- fires

-- silent: guards and data changes are not contract steps
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN
    CREATE TYPE mood AS ENUM ('a', 'b');
  END IF;
  UPDATE users SET legacy = NULL WHERE id = 1;
END $$;

-- silent: a table created inside the same DO block is new
DO $$ BEGIN CREATE TABLE scratch (id int); DROP TABLE scratch; END $$;

-- unit: 003_functions
CREATE OR REPLACE FUNCTION purge() RETURNS void LANGUAGE sql AS $$
  DELETE FROM orders;
$$;
CREATE OR REPLACE PROCEDURE archive() LANGUAGE plpgsql AS $$
BEGIN
  PERFORM purge();
END $$;
CREATE OR REPLACE FUNCTION log_only() RETURNS void LANGUAGE sql
BEGIN ATOMIC
  INSERT INTO audit VALUES (1);
END;
CREATE OR REPLACE FUNCTION on_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE audit;
  RETURN NEW;
END $$;

-- unit: 004_calls
-- fires: calls run the body current at this point of the replay
SELECT purge(); -- fires
CALL archive(); -- fires
SELECT log_only();
CREATE TRIGGER t_order AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION on_order();
INSERT INTO orders VALUES (1, 1); -- fires
-- silent: the trigger only fires on INSERT
UPDATE orders SET user_id = 2 WHERE id = 1;

-- unit: 005_replaced
-- silent: the function was replaced by a harmless body
CREATE OR REPLACE FUNCTION purge() RETURNS void LANGUAGE sql AS $$ SELECT 1 $$;
SELECT purge();
-- fires: dropping the trigger is a contract step of its own
DROP TRIGGER t_order ON orders; -- fires
-- silent: and the dropped trigger no longer fires
INSERT INTO orders VALUES (2, 1);

-- unit: 006_nested
-- fires: a function created inside a DO block is followed when it is called
DO $$ BEGIN CREATE OR REPLACE FUNCTION wipe() RETURNS void LANGUAGE sql AS $f$ DELETE FROM audit $f$; END $$;
SELECT wipe(); -- fires

-- unit: 007_defaults
CREATE OR REPLACE FUNCTION next_code() RETURNS int LANGUAGE plpgsql AS $$ BEGIN TRUNCATE audit; RETURN 1; END $$;
CREATE TABLE codes (code int DEFAULT next_code(), at timestamptz DEFAULT now());
-- fires: a default that calls a function of the migrations runs it on every row written
INSERT INTO codes DEFAULT VALUES; -- fires
-- silent: a DELETE fills no default
DELETE FROM codes WHERE code = 1;

-- unit: 008_bound_execute
CREATE OR REPLACE FUNCTION drop_named(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN EXECUTE format('DROP TABLE %I', t); END $$;
-- fires: a helper called with a constant argument runs the SQL its EXECUTE makes of it
SELECT drop_named('audit'); -- fires
-- silent: the same helper on a table created in this migration
CREATE TABLE scratch (id int);
SELECT drop_named('scratch');
