-- migrate:up
CREATE TABLE IF NOT EXISTS b (id int);
-- migrate:down 
DROP TABLE IF EXISTS b;
