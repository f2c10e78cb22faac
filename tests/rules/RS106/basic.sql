-- unit: 001_setup
CREATE TABLE users (id bigint, email text, handle text);
-- unit: 002_unique
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email); -- fires
ALTER TABLE users ADD PRIMARY KEY (id); -- fires
ALTER TABLE users ADD COLUMN code text UNIQUE; -- fires
CREATE UNIQUE INDEX CONCURRENTLY users_handle_key ON users (handle);
ALTER TABLE users ADD CONSTRAINT users_handle_key UNIQUE USING INDEX users_handle_key;
CREATE TABLE teams (id bigint, slug text);
ALTER TABLE teams ADD CONSTRAINT teams_slug_key UNIQUE (slug);
