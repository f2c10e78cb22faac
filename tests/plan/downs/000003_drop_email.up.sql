-- rollsafe:contract approved-by=alice ticket=DB-1 recovery=restore-from-backup
ALTER TABLE users DROP COLUMN email;
