-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY, status text, total numeric, created_at timestamptz);
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);
CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);
-- unit: 002_drops
DROP INDEX orders_status_idx; -- fires
-- silent: CONCURRENTLY
DROP INDEX CONCURRENTLY IF EXISTS orders_total_idx;
-- fires: an index rollsafe has never seen
DROP INDEX legacy_idx; -- fires
-- silent: index and table created in this migration
CREATE TABLE scratch (id bigint);
CREATE INDEX scratch_id_idx ON scratch (id);
DROP INDEX scratch_id_idx;
-- unit: 003_down direction=down
DROP INDEX orders_created_idx; -- fires
