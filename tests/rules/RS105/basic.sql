-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
-- unit: 002_check
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0); -- fires
ALTER TABLE orders ADD CONSTRAINT orders_total_max CHECK (total < 1000000) NOT VALID;
ALTER TABLE orders ADD COLUMN discount numeric CHECK (discount >= 0); -- fires
CREATE TABLE coupons (id bigint, pct int);
ALTER TABLE coupons ADD CONSTRAINT coupons_pct CHECK (pct BETWEEN 0 AND 100);
