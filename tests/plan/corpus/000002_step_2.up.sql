SET lock_timeout = '2s';

CREATE TABLE IF NOT EXISTS t2 (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  name varchar(200) NOT NULL,
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX CONCURRENTLY IF NOT EXISTS t2_user_idx ON t2 (user_id);

ALTER TABLE users ADD COLUMN IF NOT EXISTS c2 integer;

ALTER TABLE orders ADD CONSTRAINT orders_c2_chk CHECK (amount >= 0) NOT VALID;

ALTER TABLE orders VALIDATE CONSTRAINT orders_c2_chk;

UPDATE users SET c2 = 0 WHERE c2 IS NULL AND id < 1000;

COMMENT ON TABLE t2 IS 'generated table number 2; see ticket DB-2';

CREATE OR REPLACE FUNCTION f2(x integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  -- a body with ; inside
  RETURN x + 2;
END;
$$;
