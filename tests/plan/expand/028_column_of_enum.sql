ALTER TABLE orders ADD COLUMN kind order_kind;
