-- unit: 001_setup
CREATE TABLE events (id int PRIMARY KEY, name varchar(50), amount numeric(10,2), note varchar(20));
-- unit: 002_types
ALTER TABLE events ALTER COLUMN id TYPE bigint; -- fires
ALTER TABLE events ALTER COLUMN name TYPE varchar(100);
ALTER TABLE events ALTER COLUMN name TYPE text;
ALTER TABLE events ALTER COLUMN amount TYPE numeric(12,2);
ALTER TABLE legacy ALTER COLUMN code TYPE integer; -- fires
CREATE TABLE drafts (id int, body varchar(10));
ALTER TABLE drafts ALTER COLUMN id TYPE bigint;
-- silent here: the rewrite comes from the volatile default (RS109)
ALTER TABLE events ALTER COLUMN note TYPE text, ADD COLUMN uid uuid DEFAULT gen_random_uuid();
-- fires: the type change is the first rewrite of the statement
ALTER TABLE events ALTER COLUMN amount TYPE integer, ADD COLUMN uid2 uuid DEFAULT gen_random_uuid(); -- fires
