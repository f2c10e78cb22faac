-- +goose Up
-- +goose StatementBegin
CREATE TABLE IF NOT EXISTS b (id int);
-- +goose StatementEnd

-- +goose down
DROP TABLE IF EXISTS b;
