-- unit: 001_balanced
BEGIN;
CREATE TABLE a (id int);
COMMIT;
-- unit: 002_commit_only
COMMIT; -- fires
-- unit: 003_never_committed
BEGIN; -- fires
CREATE TABLE b (id int);
-- unit: 004_wrapped layout=goose wrapped=true
BEGIN; -- fires
ALTER TABLE a ADD COLUMN c int;
COMMIT; -- fires
-- unit: 005_nested
BEGIN;
BEGIN; -- fires
COMMIT;
-- unit: 006_savepoint
BEGIN;
SAVEPOINT s;
ROLLBACK TO SAVEPOINT s;
COMMIT;
