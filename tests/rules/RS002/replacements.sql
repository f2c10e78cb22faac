-- unit: V1__orders layout=flyway
CREATE TABLE orders (id bigint PRIMARY KEY, status text, created_at timestamptz, amount numeric, legacy text);
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ADD CONSTRAINT orders_amount_ck CHECK (amount > 0);
-- unit: V2__swap layout=flyway
-- an index swapped and a constraint replaced: nothing here is a contract step
DROP INDEX IF EXISTS orders_status_idx;
CREATE INDEX orders_status_created_idx ON orders (status, created_at);
ALTER TABLE orders DROP CONSTRAINT orders_amount_ck,
  ADD CONSTRAINT orders_amount_ck CHECK (amount >= 0) NOT VALID;
-- unit: V3__mixed layout=flyway
ALTER TABLE orders ADD COLUMN note text;
-- a real contract step next to an expand step
ALTER TABLE orders DROP COLUMN legacy; -- fires
