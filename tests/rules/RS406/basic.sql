-- unit: 001_setup
CREATE TABLE users (id bigint, email text, legacy text, old text, notes text);
CREATE TABLE sessions (id bigint);
CREATE TABLE logs (id bigint);
-- unit: 002_drops
-- rollsafe:contract approved-by=alice ticket=DB-1
ALTER TABLE users DROP COLUMN legacy; -- fires
-- rollsafe:contract approved-by=alice ticket=DB-1 recovery=backfill:scripts/refill_old.sql
ALTER TABLE users DROP COLUMN old;
-- rollsafe:contract approved-by=alice recovery=none-needed reason="never read"
TRUNCATE logs;
-- rollsafe:contract approved-by=alice ticket=DB-1 recovery=none-needed
DROP TABLE sessions; -- fires
DROP TABLE users;
-- unit: 003_new_table
CREATE TABLE scratch (id bigint);
DROP TABLE scratch;
