-- unit: 0001_schema
CREATE TABLE accounts (id bigint PRIMARY KEY, name text);
-- unit: 0002_backfill
ALTER TABLE accounts ADD COLUMN plan text;
INSERT INTO plans (code) VALUES ('free');
UPDATE accounts SET plan = 'free' WHERE plan IS NULL;
CREATE INDEX CONCURRENTLY accounts_plan_idx ON accounts (plan);
