DROP INDEX orders_user_id_idx;
ALTER TABLE orders DROP COLUMN shipped_at;
