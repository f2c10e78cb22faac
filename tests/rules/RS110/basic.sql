-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY);
CREATE INDEX CONCURRENTLY orders_id_idx ON orders (id);
-- unit: 002_rewrites
VACUUM FULL orders; -- fires
CLUSTER orders USING orders_id_idx; -- fires
ALTER TABLE orders SET TABLESPACE fast_ssd; -- fires
ALTER TABLE orders SET UNLOGGED; -- fires
ALTER TABLE orders SET ACCESS METHOD heap; -- fires
VACUUM FULL; -- fires
CLUSTER; -- fires
-- silent
VACUUM orders;
ANALYZE orders;
CREATE TABLE tmp (id bigint);
VACUUM FULL tmp;
ALTER TABLE tmp SET LOGGED;
