-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY, status text);
CREATE TABLE audit (id bigint);
-- unit: 002_wrapped wrapped=true
ALTER TABLE users ADD COLUMN plan text;
-- a full-table backfill under the lock: RS115 reports it (as an error), not this rule
UPDATE users SET plan = 'free';
-- unit: 003_quick wrapped=true
ALTER TABLE users ADD COLUMN a text;
ALTER TABLE users ADD COLUMN b text;
COMMENT ON COLUMN users.a IS 'x';
CREATE TABLE things (id bigint);
INSERT INTO things VALUES (1);
-- unit: 004_explicit
BEGIN;
ALTER TABLE users ADD COLUMN c text;
UPDATE users SET c = 'x' WHERE id < 10; -- fires
COMMIT;
-- unit: 005_after_commit
BEGIN;
ALTER TABLE users ADD COLUMN d text;
COMMIT;
UPDATE users SET d = 'x';
-- unit: 006_implicit layout=golang-migrate
ALTER TABLE users ADD COLUMN e text;
CREATE INDEX users_e_idx ON users (e); -- fires
-- unit: 007_autocommit
ALTER TABLE users ADD COLUMN f text;
UPDATE users SET f = 'x';
-- unit: 008_new_table wrapped=true
CREATE TABLE reports (id bigint);
ALTER TABLE reports ADD COLUMN g text;
INSERT INTO audit VALUES (1);
-- unit: 009_insert wrapped=true
ALTER TABLE users ADD COLUMN h text;
INSERT INTO audit VALUES (1), (2);
-- RS115 reports it
INSERT INTO audit SELECT id FROM users;
