ALTER TABLE users DROP COLUMN legacy_email;

-- rollsafe:contract approved-by=alice ticket=DB-142 after=2026-01-15 recovery=restore-from-backup
ALTER TABLE users DROP COLUMN nickname;
ALTER TABLE users DROP COLUMN email;
