-- migrate:up transaction:false
CREATE TABLE IF NOT EXISTS c (id int);

-- migrate:down
DROP TABLE IF EXISTS c;
