-- unit: V1__orders layout=flyway
CREATE TABLE orders (id bigint PRIMARY KEY, status text, created_at timestamptz, amount numeric, note text NOT NULL, customer_id bigint, email text);
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE INDEX orders_status_idx ON orders (status);
CREATE UNIQUE INDEX orders_email_key ON orders (email);
ALTER TABLE orders ADD CONSTRAINT orders_amount_ck CHECK (amount > 0);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE orders ADD CONSTRAINT orders_status_ck CHECK (status <> '');
-- unit: V2__swap layout=flyway
-- an index only speeds the old version up (RS008 warns): not a contract change
DROP INDEX IF EXISTS orders_status_idx;
CREATE INDEX orders_status_created_idx ON orders (status, created_at);
-- the same constraint, replaced
ALTER TABLE orders DROP CONSTRAINT orders_amount_ck,
  ADD CONSTRAINT orders_amount_ck CHECK (amount >= 0) NOT VALID;
-- relaxations: everything the old version wrote is still accepted
ALTER TABLE orders ALTER COLUMN note DROP NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_customer_fk;
-- unit: V3__unique layout=flyway
-- the old version's ON CONFLICT (email) needs this index
DROP INDEX orders_email_key; -- fires
-- unit: V4__check_swap layout=flyway
-- a CHECK replaced by another CHECK in the same migration
ALTER TABLE orders DROP CONSTRAINT orders_status_ck;
ALTER TABLE orders ADD CONSTRAINT orders_status_nonempty CHECK (status IS NULL OR status <> '') NOT VALID;
-- unit: V5__views layout=flyway
CREATE VIEW open_orders AS SELECT id, status FROM orders WHERE status <> 'closed';
CREATE VIEW order_notes AS SELECT id, note FROM orders;
-- unit: V6__view_swap layout=flyway
-- a view dropped and created again in the same migration: its definition is replaced
DROP VIEW open_orders;
CREATE VIEW open_orders AS SELECT id, status, created_at FROM orders WHERE status <> 'closed';
-- a view dropped for good is a contract step
DROP VIEW order_notes; -- fires
