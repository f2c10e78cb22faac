ALTER TABLE users ADD COLUMN legacy text;
