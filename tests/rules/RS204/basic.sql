-- unit: 001_setup
CREATE TABLE plans (code text PRIMARY KEY, name text);
-- unit: 002_plain
INSERT INTO plans VALUES ('free', 'Free'); -- fires
INSERT INTO plans VALUES ('pro', 'Pro') ON CONFLICT (code) DO NOTHING;
CREATE INDEX CONCURRENTLY plans_name_idx ON plans (name);
-- unit: 003_wrapped wrapped=true
INSERT INTO plans VALUES ('a', 'A');
INSERT INTO plans VALUES ('b', 'B');
-- unit: 004_explicit
BEGIN;
INSERT INTO plans VALUES ('c', 'C');
INSERT INTO plans VALUES ('d', 'D');
COMMIT;
-- unit: 005_after_commit
BEGIN;
INSERT INTO plans VALUES ('e', 'E'); -- fires
COMMIT;
UPDATE plans SET name = upper(name);
