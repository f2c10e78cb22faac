-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY, email text, mood text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));
CREATE VIEW active_users AS SELECT id, email FROM users;
CREATE VIEW active_user_emails AS SELECT email FROM active_users;
CREATE MATERIALIZED VIEW user_counts AS SELECT count(*) AS n FROM users;
CREATE TYPE level AS ENUM ('low', 'high');
CREATE TABLE alerts (id bigint, level level);
-- unit: 002_drop
-- the finding names what CASCADE drops with the table, and counts it
DROP TABLE users CASCADE; -- fires
-- unit: 003_type
DROP TYPE level CASCADE; -- fires
-- unit: 004_new
-- a view and its dependants created in this change
CREATE TABLE scratch (id bigint);
CREATE VIEW scratch_ids AS SELECT id FROM scratch;
DROP TABLE scratch CASCADE;
