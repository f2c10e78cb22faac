-- unit: 000001_init layout=golang-migrate
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), total numeric(12,2));
CREATE INDEX orders_user_id_idx ON orders (user_id);
-- unit: 000002_orders_status layout=golang-migrate
ALTER TABLE orders ADD COLUMN status text;
UPDATE orders SET status = 'paid';
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
-- unit: 000003_orders_status_safe layout=golang-migrate
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
ALTER TABLE orders ADD CONSTRAINT orders_shipped_check CHECK (shipped_at > '2000-01-01') NOT VALID;
-- unit: 000004_orders_status_idx layout=golang-migrate
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_shipped_at_idx ON orders (shipped_at);
-- unit: 000004_orders_status_idx_down layout=golang-migrate direction=down
DROP INDEX orders_shipped_at_idx;
