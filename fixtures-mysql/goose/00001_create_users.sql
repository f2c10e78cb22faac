-- +goose Up

SET SESSION lock_wait_timeout = 5;
CREATE TABLE users (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    email        VARCHAR(191) NOT NULL,
    nickname     VARCHAR(50) NULL,
    legacy_email VARCHAR(191) NULL,
    status       ENUM('active','banned') NOT NULL DEFAULT 'active',
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (id),
    UNIQUE KEY users_email_uq (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE users;
