-- unit: 001_setup pg=11
CREATE TABLE orders (id bigint PRIMARY KEY);
-- unit: 002_reindex
REINDEX TABLE orders; -- fires
