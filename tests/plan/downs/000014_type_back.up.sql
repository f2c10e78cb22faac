ALTER TABLE users ALTER COLUMN phone TYPE varchar(40);
