-- rollsafe:contract approved-by=alice ticket=DB-2 recovery=backfill:DB-3
ALTER TABLE users DROP COLUMN legacy;
