-- +goose Up

SET SESSION lock_wait_timeout = 5;
CREATE TABLE orders (
    id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    user_id     BIGINT UNSIGNED NOT NULL,
    total_cents INT NOT NULL,
    note        VARCHAR(50) NULL,
    created_at  DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    KEY orders_user_id_idx (user_id),
    CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose StatementBegin
CREATE TRIGGER orders_total_check BEFORE INSERT ON orders FOR EACH ROW
BEGIN
    IF NEW.total_cents < 0 THEN
        SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'negative total';
    END IF;
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE orders;
