CREATE INDEX CONCURRENTLY users_email_hash_idx ON users USING hash (email);
