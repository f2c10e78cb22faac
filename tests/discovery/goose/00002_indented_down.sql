-- +goose Up
SELECT 1;
  -- +goose Down
DROP TABLE users;
