-- +goose Up
CREATE TABLE IF NOT EXISTS a (id int);
 -- +goose Down
DROP TABLE IF EXISTS a;
