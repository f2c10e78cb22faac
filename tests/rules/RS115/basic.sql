-- unit: 001_setup
CREATE TABLE workflow_index (id bigint PRIMARY KEY, json_data jsonb, status text);
CREATE TABLE archive (id bigint, json_data jsonb);
-- unit: 002_backfill layout=golang-migrate
ALTER TABLE workflow_index ADD COLUMN end_time timestamptz;
-- the column is new, the rows are not; and the ADD COLUMN's ACCESS EXCLUSIVE lock is held throughout
UPDATE workflow_index SET end_time = (json_data->>'endTime')::timestamptz; -- fires
-- unit: 003_no_ddl
UPDATE workflow_index SET status = 'done' WHERE true; -- fires
INSERT INTO archive SELECT id, json_data FROM workflow_index; -- fires
INSERT INTO archive SELECT 1, '{}' UNION ALL SELECT id, json_data FROM workflow_index; -- fires
-- every row, in other spellings
WITH u AS (UPDATE workflow_index SET status = 'y' RETURNING id) SELECT count(*) FROM u; -- fires
EXPLAIN ANALYZE UPDATE workflow_index SET status = 'z' WHERE 1 = 1; -- fires
MERGE INTO workflow_index w USING (SELECT 1 AS one) s ON true WHEN MATCHED THEN UPDATE SET status = 'x'; -- fires
EXPLAIN UPDATE workflow_index SET status = 'z';
-- a batch, a few rows, a table new in this change
UPDATE workflow_index SET status = 'done' WHERE id BETWEEN 1 AND 10000;
INSERT INTO archive VALUES (1, '{}');
-- a seed row guarded by NOT EXISTS, and DEFAULT VALUES: one row each, not a copy
INSERT INTO archive (id, json_data) SELECT 7, '{}' WHERE NOT EXISTS (SELECT 1 FROM archive WHERE id = 7);
INSERT INTO archive DEFAULT VALUES;
CREATE TABLE scratch (id bigint);
INSERT INTO scratch SELECT id FROM workflow_index;
UPDATE scratch SET id = id + 1;
