CREATE TABLE IF NOT EXISTS orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL, total_cents integer NOT NULL, status text, tags text[]);
CREATE INDEX orders_status_idx ON orders (status);
