-- rollsafe:contract approved-by=alice reason="users moved to accounts"
\ir ../shared/drop_users.sql
