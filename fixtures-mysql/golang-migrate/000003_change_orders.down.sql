ALTER TABLE orders MODIFY total_cents INT NOT NULL;
ALTER TABLE orders MODIFY note VARCHAR(50) NULL;
ALTER TABLE orders DROP INDEX orders_created_at_idx;
ALTER TABLE orders DROP COLUMN shipped_at;
