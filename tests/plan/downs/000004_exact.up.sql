CREATE TABLE IF NOT EXISTS audit (id bigint);
ALTER TABLE users ADD COLUMN nickname text;
CREATE UNIQUE INDEX CONCURRENTLY users_nickname_key ON users (nickname);
