-- unit: 001_setup
CREATE TABLE a (id bigint PRIMARY KEY, n integer, label varchar(20), legacy text, note text);
-- unit: 002_multi
-- each finding at the action it is about, named in its message
ALTER TABLE a
  ADD COLUMN tag text DEFAULT md5(random()::text),
  ALTER COLUMN n TYPE smallint,
  ALTER COLUMN note SET NOT NULL,
  DROP COLUMN legacy;
-- unit: 003_not_null_only
-- without a rewrite, SET NOT NULL scans: its finding points at it, not at the statement
ALTER TABLE a ADD COLUMN extra text, ALTER COLUMN label SET NOT NULL;
