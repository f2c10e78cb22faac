ALTER TABLE users ADD COLUMN nickname TEXT;
ALTER TABLE users ADD COLUMN legacy_email TEXT;
