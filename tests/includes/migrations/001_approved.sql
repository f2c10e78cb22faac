-- rollsafe:contract approved-by=alice reason="users moved to accounts" recovery=restore-from-backup
\ir ../shared/drop_users.sql
