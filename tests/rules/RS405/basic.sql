-- unit: 001_setup layout=golang-migrate
CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone text);
-- unit: 001_setup_down layout=golang-migrate direction=down
DROP TABLE users;
DROP TABLE orders;
-- unit: 002_index layout=golang-migrate
SET lock_timeout = '2s';
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);
-- unit: 002_index_down layout=golang-migrate direction=down
ALTER TABLE users DROP COLUMN phone; -- fires
-- unit: 003_drop_email layout=golang-migrate
-- rollsafe:contract approved-by=alice ticket=DB-1 recovery=restore-from-backup
ALTER TABLE users DROP COLUMN email;
-- unit: 003_drop_email_down layout=golang-migrate direction=down
ALTER TABLE users ADD COLUMN email varchar(100); -- fires
-- unit: 004_exact layout=golang-migrate
CREATE TABLE IF NOT EXISTS audit (id bigint);
ALTER TABLE users ADD COLUMN nickname text;
CREATE UNIQUE INDEX CONCURRENTLY users_nickname_key ON users (nickname);
-- unit: 004_exact_down layout=golang-migrate direction=down
DROP INDEX CONCURRENTLY IF EXISTS users_nickname_key;
ALTER TABLE users DROP COLUMN IF EXISTS nickname;
DROP TABLE IF EXISTS audit;
-- unit: 005_objects layout=golang-migrate
CREATE TYPE mood AS ENUM ('happy');
CREATE VIEW recent_orders AS SELECT id FROM orders;
ALTER TABLE orders ADD CONSTRAINT orders_created_at_check CHECK (created_at > '2000-01-01') NOT VALID;
CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';
-- unit: 005_objects_down layout=golang-migrate direction=down
DROP VIEW recent_orders; -- fires
DROP FUNCTION one();
-- unit: 006_index_changed layout=golang-migrate
CREATE INDEX CONCURRENTLY orders_id_idx ON orders (id);
-- unit: 006_index_changed_down layout=golang-migrate direction=down
DROP INDEX CONCURRENTLY orders_id_idx;
DROP INDEX CONCURRENTLY orders_created_at_idx;
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders USING brin (created_at); -- fires
-- unit: 007_mview layout=golang-migrate
CREATE MATERIALIZED VIEW order_counts AS SELECT count(*) AS n FROM orders;
CREATE UNIQUE INDEX order_counts_n ON order_counts (n);
-- unit: 007_mview_down layout=golang-migrate direction=down
DROP MATERIALIZED VIEW order_counts;
