-- unit: 001_setup layout=golang-migrate
CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, phone text);
-- unit: 001_setup_down layout=golang-migrate direction=down
DROP TABLE IF EXISTS accounts;
-- unit: 002_nickname layout=golang-migrate
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS nickname text;
-- unit: 002_nickname_down layout=golang-migrate direction=down
ALTER TABLE accounts DROP COLUMN IF EXISTS nickname;
ALTER TABLE accounts DROP COLUMN phone; -- fires
DROP TABLE legacy_sessions; -- fires
-- approved, so reported as suppressed:
-- rollsafe:contract approved-by=alice ticket=DB-2 recovery=restore-from-backup
DROP TABLE legacy_audit; -- fires
-- an index drop loses no data: RS405 reports that the down does not restore the state, the
-- gate does not (unless `approve-index-drops`)
DROP INDEX IF EXISTS accounts_phone_idx;
-- unit: 003_verify layout=sqitch direction=verify
SELECT id FROM accounts WHERE false;
DROP TABLE legacy_tokens; -- fires
