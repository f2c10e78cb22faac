-- unit: 001_setup pg=18
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
-- unit: 002_columns
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED; -- fires
-- silent: virtual generated columns are computed on read
ALTER TABLE orders ADD COLUMN total_mills bigint GENERATED ALWAYS AS ((total * 1000)::bigint) VIRTUAL;
