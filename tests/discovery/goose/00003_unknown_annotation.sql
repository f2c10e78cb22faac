-- +goose Up
SELECT 1;
-- +goose Down -- undo
SELECT 2;
