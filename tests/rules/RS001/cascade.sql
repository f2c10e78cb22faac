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
-- unit: 005_sequence_setup
CREATE SEQUENCE ticket_numbers;
CREATE TABLE tickets (id bigint DEFAULT nextval('ticket_numbers'), code bigint);
CREATE TABLE base_log (id bigint);
CREATE TABLE app_log (note text) INHERITS (base_log);
CREATE FUNCTION next_code() RETURNS bigint LANGUAGE sql AS 'SELECT 1';
CREATE TABLE coupons (id bigint, code bigint DEFAULT next_code());
CREATE SCHEMA reporting;
CREATE TABLE reporting.daily (id bigint);
CREATE VIEW daily_ids AS SELECT id FROM reporting.daily;
-- unit: 006_sequence_default
-- CASCADE takes the default away from tickets.id
DROP SEQUENCE ticket_numbers CASCADE; -- fires
-- unit: 007_new_sequence_existing_column
-- the sequence is new, the column whose default CASCADE drops is not
CREATE SEQUENCE fresh_codes;
ALTER TABLE tickets ALTER COLUMN code SET DEFAULT nextval('fresh_codes');
DROP SEQUENCE fresh_codes CASCADE; -- fires
-- unit: 008_new_sequence_new_table
CREATE SEQUENCE temp_codes;
CREATE TABLE temp_tickets (id bigint DEFAULT nextval('temp_codes'));
DROP SEQUENCE temp_codes CASCADE;
-- unit: 009_inheritance
-- CASCADE drops the tables that inherit from it
DROP TABLE base_log CASCADE; -- fires
-- unit: 010_new_parent_new_child
CREATE TABLE tmp_parent (id bigint);
CREATE TABLE tmp_child () INHERITS (tmp_parent);
DROP TABLE tmp_parent CASCADE;
-- unit: 011_function
-- a new function replaced and dropped: what CASCADE drops is an existing column's default
CREATE OR REPLACE FUNCTION next_code() RETURNS bigint LANGUAGE sql AS 'SELECT 2';
DROP FUNCTION next_code() CASCADE; -- fires
-- unit: 012_schema
-- CASCADE drops the schema's tables and the views elsewhere that read them
DROP SCHEMA reporting CASCADE; -- fires
-- unit: 013_new_schema
CREATE SCHEMA tmp_reports;
CREATE TABLE tmp_reports.t (id bigint);
DROP SCHEMA tmp_reports CASCADE;
