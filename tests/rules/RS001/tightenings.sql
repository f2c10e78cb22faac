-- unit: 001_setup
CREATE TABLE accounts (id bigint, email text, balance numeric, owner_id bigint);
CREATE TABLE owners (id bigint PRIMARY KEY);
CREATE UNIQUE INDEX accounts_id_idx ON accounts (id);
-- unit: 002_tighten
-- the old version may write values these reject
ALTER TABLE accounts ADD CONSTRAINT accounts_balance_ck CHECK (balance >= 0) NOT VALID; -- fires
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email); -- fires
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL; -- fires
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY; -- fires
-- a foreign key states a relationship the old version keeps (RS104 covers its lock)
ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID;
-- the unique index already enforces it
ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_id_idx;
-- unit: 003_new_column
-- a column new in this change: the old version never writes it
ALTER TABLE accounts ADD COLUMN region text;
ALTER TABLE accounts ALTER COLUMN region SET NOT NULL;
ALTER TABLE accounts ADD CONSTRAINT accounts_region_key UNIQUE (region);
-- a table new in this change
CREATE TABLE ledgers (id bigint, amount numeric);
ALTER TABLE ledgers ADD CONSTRAINT ledgers_amount_ck CHECK (amount <> 0);
ALTER TABLE ledgers ENABLE ROW LEVEL SECURITY;
-- unit: 004_multi
-- the finding names the contract action, not the first action
ALTER TABLE accounts ADD COLUMN nickname text, ALTER COLUMN balance TYPE integer, ALTER COLUMN id SET NOT NULL; -- fires
