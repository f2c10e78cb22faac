-- unit: 001_users layout=golang-migrate
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
-- unit: 001_users_down layout=golang-migrate direction=down
DROP TABLE users;
-- unit: 002_phone layout=golang-migrate
SET lock_timeout = '2s';
ALTER TABLE users ADD COLUMN phone text; -- fires
-- unit: 003_seed layout=golang-migrate
INSERT INTO users (id, email) VALUES (1, 'a@example.com');
-- unit: 004_plain_project layout=plain
ALTER TABLE users ADD COLUMN nickname text;
-- unit: 005_prisma layout=prisma
ALTER TABLE users ADD COLUMN age int;
-- unit: 006_goose layout=goose
CREATE INDEX CONCURRENTLY users_email_idx ON users (email); -- fires
