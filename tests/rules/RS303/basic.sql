-- unit: 001_balanced
BEGIN;
CREATE TABLE a (id int);
COMMIT;
-- unit: 002_commit_only
COMMIT;
-- unit: 003_never_committed
BEGIN;
CREATE TABLE b (id int);
-- unit: 004_wrapped layout=goose wrapped=true
BEGIN;
ALTER TABLE a ADD COLUMN c int;
COMMIT;
-- unit: 005_nested
BEGIN;
BEGIN;
COMMIT;
-- unit: 006_savepoint
BEGIN;
SAVEPOINT s;
ROLLBACK TO SAVEPOINT s;
COMMIT;
