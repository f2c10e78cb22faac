-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);
-- unit: 002_not_null
ALTER TABLE users ALTER COLUMN email SET NOT NULL; -- fires
ALTER TABLE users ADD CONSTRAINT users_name_not_null CHECK (name IS NOT NULL) NOT VALID;
-- unit: 003_set
ALTER TABLE users VALIDATE CONSTRAINT users_name_not_null;
-- silent on 12+: the validated CHECK proves the column non-null
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
CREATE TABLE accounts (id bigint, owner text);
ALTER TABLE accounts ALTER COLUMN owner SET NOT NULL;
