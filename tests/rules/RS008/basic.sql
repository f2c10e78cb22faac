-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY, status text, email text);
CREATE INDEX orders_status_idx ON orders (status);
CREATE UNIQUE INDEX orders_email_key ON orders (email);
-- unit: 002_drop
-- queries that used it get slower; nothing fails
DROP INDEX IF EXISTS orders_status_idx; -- fires
-- an index rollsafe has not seen: not known to be unique
DROP INDEX CONCURRENTLY IF EXISTS legacy_idx; -- fires
-- a unique index is a contract change (RS001), not this warning
DROP INDEX orders_email_key;
-- an index created in this change
CREATE INDEX orders_tmp_idx ON orders (status, id);
DROP INDEX orders_tmp_idx;
