-- unit: 001_setup
CREATE TABLE a (id int, n int, note varchar(10), label text);
-- unit: 002_change
-- the type change rewrites a and checks NOT NULL while it copies the rows (RS108 reports it)
ALTER TABLE a ADD COLUMN extra text, ALTER COLUMN n TYPE bigint, ALTER COLUMN n SET NOT NULL;
-- no rewrite: the SET NOT NULL scan is its own cost, and the finding names its column
ALTER TABLE a ADD COLUMN more text, ALTER COLUMN note TYPE varchar(20), ALTER COLUMN label SET NOT NULL; -- fires
