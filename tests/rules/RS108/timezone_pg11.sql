-- unit: 000001_events layout=golang-migrate pg=11
CREATE TABLE events (id bigint PRIMARY KEY, at timestamp(3));
-- unit: 000002_utc layout=golang-migrate
SET timezone = 'UTC';
-- before PostgreSQL 12 the change always rewrites
ALTER TABLE events ALTER COLUMN at TYPE timestamptz; -- fires
