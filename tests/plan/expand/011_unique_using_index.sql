CREATE UNIQUE INDEX CONCURRENTLY users_phone_idx ON users (phone);
ALTER TABLE users ADD CONSTRAINT users_phone_key UNIQUE USING INDEX users_phone_idx;
