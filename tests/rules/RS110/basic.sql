-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY);
CREATE INDEX CONCURRENTLY orders_id_idx ON orders (id);
-- unit: 002_rewrites
VACUUM FULL orders;
CLUSTER orders USING orders_id_idx;
ALTER TABLE orders SET TABLESPACE fast_ssd;
ALTER TABLE orders SET UNLOGGED;
ALTER TABLE orders SET ACCESS METHOD heap;
VACUUM FULL;
CLUSTER;
-- silent
VACUUM orders;
ANALYZE orders;
CREATE TABLE tmp (id bigint);
VACUUM FULL tmp;
ALTER TABLE tmp SET LOGGED;
