-- unit: 001_golang layout=golang-migrate
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
CREATE INDEX CONCURRENTLY orders_shipped_idx ON orders (shipped_at); -- fires
-- unit: 002_golang_alone layout=golang-migrate
CREATE INDEX CONCURRENTLY orders_x ON orders (id);
-- unit: 003_plain
SET lock_timeout = '2s';
CREATE INDEX CONCURRENTLY orders_y ON orders (id);
-- unit: 004_flyway layout=flyway
CREATE INDEX CONCURRENTLY orders_z ON orders (id); -- fires
ALTER TABLE orders ADD COLUMN note text;
-- unit: 005_dbmate_explicit layout=dbmate
BEGIN;
CREATE INDEX CONCURRENTLY orders_w ON orders (id);
COMMIT;
-- unit: 006_goose layout=goose
SET lock_timeout = '2s';
CREATE INDEX CONCURRENTLY orders_v ON orders (id);
-- unit: 007_sqlx_wrapped layout=sqlx wrapped=true
SELECT 1;
CREATE INDEX CONCURRENTLY orders_u ON orders (id);
-- unit: 008_flyway_all_concurrent layout=flyway
-- silent: Flyway runs a migration of only non-transactional statements without a transaction
DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_created_idx ON orders (status, id);
