SET lock_timeout = '2s';

CREATE TABLE IF NOT EXISTS t1 (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  name varchar(200) NOT NULL,
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX CONCURRENTLY IF NOT EXISTS t1_user_idx ON t1 (user_id);

ALTER TABLE users ADD COLUMN IF NOT EXISTS c1 integer;

ALTER TABLE orders ADD CONSTRAINT orders_c1_chk CHECK (amount >= 0) NOT VALID;

ALTER TABLE orders VALIDATE CONSTRAINT orders_c1_chk;

UPDATE users SET c1 = 0 WHERE c1 IS NULL AND id < 1000;

COMMENT ON TABLE t1 IS 'generated table number 1; see ticket DB-1';

CREATE OR REPLACE FUNCTION f1(x integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  -- a body with ; inside
  RETURN x + 1;
END;
$$;

CREATE INDEX t1_name_idx ON orders (note);
