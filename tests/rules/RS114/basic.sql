-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY);
-- unit: 002_add
ALTER TABLE users ADD COLUMN plan text NOT NULL; -- fires
ALTER TABLE users ADD COLUMN region text NOT NULL DEFAULT NULL; -- fires
ALTER TABLE users ADD COLUMN tier text NOT NULL DEFAULT 'free';
ALTER TABLE users ADD COLUMN num bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE users ADD COLUMN seq bigserial;
CREATE TABLE teams (id bigint);
ALTER TABLE teams ADD COLUMN owner bigint NOT NULL;
