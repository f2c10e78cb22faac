-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY);
CREATE TABLE teams (id bigint PRIMARY KEY);
-- unit: 002_no_timeout
CREATE INDEX CONCURRENTLY users_id_idx ON users (id);
ALTER TABLE users ADD COLUMN nickname text; -- fires
ALTER TABLE teams ADD COLUMN slug text;
-- unit: 003_timeout
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN locale text;
-- unit: 004_zero
SET lock_timeout = 0;
ALTER TABLE users ADD COLUMN a text; -- fires
-- unit: 005_local_inside wrapped=true
SET LOCAL lock_timeout = '1s';
ALTER TABLE users ADD COLUMN b text;
-- unit: 006_local_outside
SET LOCAL lock_timeout = '1s';
ALTER TABLE users ADD COLUMN c text; -- fires
-- unit: 007_new_only
CREATE TABLE scratch (id bigint);
ALTER TABLE scratch ADD COLUMN note text;
-- unit: 008_reset
SET lock_timeout TO '2s';
ALTER TABLE users ADD COLUMN d text;
RESET lock_timeout;
ALTER TABLE users DROP COLUMN d; -- fires
-- unit: 009_fk_new_table
CREATE TABLE memberships (id bigint PRIMARY KEY, team_id bigint REFERENCES teams (id)); -- fires
-- unit: 010_down direction=down
ALTER TABLE users DROP COLUMN nickname; -- fires
-- unit: 011_lock_table wrapped=true
LOCK TABLE users IN SHARE MODE;
LOCK TABLE teams IN ACCESS EXCLUSIVE MODE; -- fires
-- unit: 012_explicit_local
BEGIN;
SET LOCAL lock_timeout = '1s';
ALTER TABLE users ADD COLUMN e text;
COMMIT;
ALTER TABLE users ADD COLUMN f text; -- fires
