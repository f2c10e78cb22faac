SELECT 3;
\ir drop_users.sql
