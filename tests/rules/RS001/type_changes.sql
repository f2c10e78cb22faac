-- unit: 000001_events layout=golang-migrate
CREATE TABLE events (id bigint PRIMARY KEY, at timestamp(3), seen timestamp, n integer, small smallint, code varchar(10), price numeric(10,2), ratio real, label text);
-- unit: 000002_widen layout=golang-migrate
SET timezone = 'UTC';
-- lossless widenings: the old version reads and writes every value it did
ALTER TABLE events ALTER COLUMN at TYPE timestamptz;
ALTER TABLE events ALTER COLUMN n TYPE bigint;
ALTER TABLE events ALTER COLUMN small TYPE integer;
ALTER TABLE events ALTER COLUMN code TYPE varchar(20);
ALTER TABLE events ALTER COLUMN price TYPE numeric(14,4);
ALTER TABLE events ALTER COLUMN ratio TYPE double precision;
ALTER TABLE events ALTER COLUMN label TYPE varchar;
-- unit: 000003_narrow layout=golang-migrate
-- narrowing or changing the kind of value can fail or lose data
ALTER TABLE events ALTER COLUMN n TYPE smallint; -- fires
ALTER TABLE events ALTER COLUMN code TYPE varchar(5); -- fires
ALTER TABLE events ALTER COLUMN price TYPE numeric(12,1); -- fires
ALTER TABLE events ALTER COLUMN label TYPE integer USING label::integer; -- fires
-- a computing USING expression: rollsafe cannot tell what it keeps
ALTER TABLE events ALTER COLUMN small TYPE bigint USING small * 2; -- fires
-- unit: 000004_no_zone layout=golang-migrate
-- without a UTC session, local times in a daylight-saving gap move
ALTER TABLE events ALTER COLUMN seen TYPE timestamptz; -- fires
-- unit: 000005_using_discards layout=golang-migrate
-- a USING that does not read the column throws its values away, whatever the types
ALTER TABLE events ALTER COLUMN n TYPE bigint USING NULL; -- fires
ALTER TABLE events ALTER COLUMN small TYPE integer USING 0; -- fires
ALTER TABLE events ALTER COLUMN code TYPE varchar(40) USING label; -- fires
-- a USING that only casts the column is the plain type change: lossless here
ALTER TABLE events ALTER COLUMN price TYPE numeric(20,4) USING price::numeric(20,4);
