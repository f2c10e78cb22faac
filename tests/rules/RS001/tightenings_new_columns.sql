-- unit: 001_setup
CREATE TABLE accounts (id bigint PRIMARY KEY, balance numeric, owner_id bigint);
CREATE TABLE owners (id bigint PRIMARY KEY);
-- unit: 002_same_statement
-- a column added by the same ALTER TABLE: the old version never writes it
ALTER TABLE accounts ADD COLUMN region text, ADD CONSTRAINT accounts_region_ck CHECK (region <> '');
ALTER TABLE accounts ADD CONSTRAINT accounts_tier_ck CHECK (tier > 0), ADD COLUMN tier integer;
ALTER TABLE accounts ADD COLUMN code text, ADD CONSTRAINT accounts_code_key UNIQUE (code);
ALTER TABLE accounts ADD COLUMN parent_id bigint, ALTER COLUMN parent_id SET NOT NULL;
ALTER TABLE accounts ADD COLUMN owner2 bigint, ADD CONSTRAINT accounts_owner2_fk FOREIGN KEY (owner2) REFERENCES owners (id);
-- unit: 003_earlier_statement
ALTER TABLE accounts ADD COLUMN score integer;
ALTER TABLE accounts ADD CONSTRAINT accounts_score_ck CHECK (score BETWEEN 0 AND 100) NOT VALID;
ALTER TABLE accounts ADD CONSTRAINT accounts_score_pos CHECK (score IS NULL OR score >= 0);
ALTER TABLE accounts ADD CONSTRAINT accounts_score_key UNIQUE (score);
-- still a tightening: it also reads a column the old version writes
ALTER TABLE accounts ADD CONSTRAINT accounts_score_balance_ck CHECK (score < balance); -- fires
-- a column added in an earlier migration (each unit is its own change without --diff-base)
ALTER TABLE accounts ADD CONSTRAINT accounts_region_len_ck CHECK (length(region) < 10); -- fires
-- refusing every row is contract whatever column it names
ALTER TABLE accounts ADD CONSTRAINT accounts_score_never CHECK (score IS NULL AND false); -- fires
-- a CHECK whose columns rollsafe cannot read counts as reading old ones
ALTER TABLE accounts ADD CONSTRAINT accounts_score_sub CHECK (score IN (SELECT 1)); -- fires
-- unit: 004_add changed
ALTER TABLE accounts ADD COLUMN flag text;
-- unit: 005_constrain changed
-- a column added in an earlier migration of the same change (--diff-base: both files are new)
ALTER TABLE accounts ADD CONSTRAINT accounts_flag_ck CHECK (flag IN ('a', 'b'));
ALTER TABLE accounts ALTER COLUMN flag SET NOT NULL;
