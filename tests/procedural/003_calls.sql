DO $$ BEGIN DROP TABLE users; END $$;

SELECT drop_users();

CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
UPDATE accounts SET name = 'x' WHERE id = 1;

SELECT dynamic('accounts');

-- rollsafe:contract approved-by=alice ticket=DB-7 recovery=restore-from-backup
DO $$ BEGIN ALTER TABLE accounts DROP COLUMN legacy; END $$;
