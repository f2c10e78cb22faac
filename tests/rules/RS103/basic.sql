-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY, status text);
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
-- unit: 002_reindex
REINDEX TABLE orders; -- fires
REINDEX INDEX orders_status_idx; -- fires
REINDEX INDEX CONCURRENTLY orders_status_idx;
CREATE TABLE scratch (id bigint);
REINDEX TABLE scratch;
