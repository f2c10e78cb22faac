DROP INDEX CONCURRENTLY orders_id_idx;
DROP INDEX CONCURRENTLY orders_created_at_idx;
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders USING brin (created_at);
