CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), qty integer NOT NULL CHECK (qty > 0));
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
