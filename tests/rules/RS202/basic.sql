-- unit: 001_setup
CREATE TABLE old_t (id int, legacy int, CONSTRAINT old_t_chk CHECK (id > 0));
CREATE TABLE other (id int);
-- unit: 002_plain
DROP TABLE other; -- fires
ALTER TABLE old_t DROP COLUMN legacy; -- fires
ALTER TABLE old_t DROP CONSTRAINT old_t_chk; -- fires
DROP TABLE IF EXISTS nothing_here;
ALTER TABLE old_t DROP COLUMN IF EXISTS legacy2;
SELECT 1;
-- unit: 003_down direction=down
DROP TABLE old_t;
DROP TABLE other;
