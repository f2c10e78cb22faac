-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
-- unit: 002_columns
ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid(); -- fires
ALTER TABLE orders ADD COLUMN seq bigserial; -- fires
ALTER TABLE orders ADD COLUMN num bigint GENERATED ALWAYS AS IDENTITY; -- fires
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS ((total * 100)::bigint) STORED; -- fires
ALTER TABLE orders ADD COLUMN score numeric DEFAULT my_score(); -- fires
ALTER TABLE orders ADD COLUMN created_at timestamptz DEFAULT now();
ALTER TABLE orders ADD COLUMN status text DEFAULT 'new';
CREATE TABLE items (id bigint);
ALTER TABLE items ADD COLUMN uid uuid DEFAULT gen_random_uuid();
