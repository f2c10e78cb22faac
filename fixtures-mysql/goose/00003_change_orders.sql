-- +goose Up

ALTER TABLE orders ADD COLUMN shipped_at DATETIME NULL, ALGORITHM=INSTANT;
ALTER TABLE orders ADD INDEX orders_created_at_idx (created_at), ALGORITHM=INPLACE, LOCK=NONE;
ALTER TABLE orders MODIFY note VARCHAR(200) NULL;
ALTER TABLE orders MODIFY total_cents BIGINT NOT NULL, ALGORITHM=INPLACE;

-- +goose Down

ALTER TABLE orders MODIFY total_cents INT NOT NULL;
ALTER TABLE orders MODIFY note VARCHAR(50) NULL;
ALTER TABLE orders DROP INDEX orders_created_at_idx;
ALTER TABLE orders DROP COLUMN shipped_at;
