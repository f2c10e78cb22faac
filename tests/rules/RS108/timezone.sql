-- unit: 000001_events layout=golang-migrate
CREATE TABLE events (id bigint PRIMARY KEY, at timestamp(3), seen timestamp, n integer, code varchar(10), flags bit varying(8), price numeric(10,2));
-- unit: 000002_utc layout=golang-migrate
SET timezone = 'UTC';
-- PostgreSQL 12+ keeps the file: the session time zone is UTC
ALTER TABLE events ALTER COLUMN at TYPE timestamptz;
-- lossless, but every row is converted
ALTER TABLE events ALTER COLUMN n TYPE bigint; -- fires
-- precision and length increases keep the file
ALTER TABLE events ALTER COLUMN seen TYPE timestamp(6);
ALTER TABLE events ALTER COLUMN code TYPE varchar(20);
ALTER TABLE events ALTER COLUMN flags TYPE bit varying(16);
ALTER TABLE events ALTER COLUMN price TYPE numeric(12,2);
-- a cast of the column is the same conversion as no USING
ALTER TABLE events ALTER COLUMN code TYPE text USING code::text;
-- a computing expression converts every row
ALTER TABLE events ALTER COLUMN price TYPE numeric(12,2) USING round(price, 1); -- fires
-- unit: 000003_no_zone layout=golang-migrate
-- without SET timezone: rewrites unless the server's time zone is UTC
ALTER TABLE events ALTER COLUMN seen TYPE timestamptz; -- fires
-- unit: 000004_local_zone layout=golang-migrate
BEGIN;
SET LOCAL TIME ZONE 'UTC';
ALTER TABLE events ALTER COLUMN seen TYPE timestamp;
COMMIT;
-- the SET LOCAL ended with its transaction
ALTER TABLE events ALTER COLUMN seen TYPE timestamptz; -- fires
-- unit: 000005_other_zone layout=golang-migrate
SET TIME ZONE 'Europe/Berlin';
ALTER TABLE events ALTER COLUMN at TYPE timestamp; -- fires
