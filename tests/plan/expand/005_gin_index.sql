CREATE INDEX CONCURRENTLY orders_tags_idx ON orders USING gin (tags);
