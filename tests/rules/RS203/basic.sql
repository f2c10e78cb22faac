-- unit: 001_setup
CREATE TABLE users (id int);
-- unit: 002_plain
ALTER TABLE users ADD COLUMN locale text; -- fires
ALTER TABLE users ADD COLUMN IF NOT EXISTS tz text;
CREATE INDEX CONCURRENTLY users_locale_idx ON users (locale);
-- unit: 003_wrapped wrapped=true
ALTER TABLE users ADD COLUMN a text;
ALTER TABLE users ADD COLUMN b text;
