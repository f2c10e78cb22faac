-- migrate:up
CREATE TABLE IF NOT EXISTS a (id int);
-- migrate:down
DROP TABLE IF EXISTS a;

-- migrate:up
DROP TABLE users;
-- migrate:down
SELECT 1;
