SET lock_timeout = '2s';

CREATE TABLE IF NOT EXISTS t3 (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  name varchar(200) NOT NULL,
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX CONCURRENTLY IF NOT EXISTS t3_user_idx ON t3 (user_id);

ALTER TABLE users ADD COLUMN IF NOT EXISTS c3 integer;

ALTER TABLE orders ADD CONSTRAINT orders_c3_chk CHECK (amount >= 0) NOT VALID;

ALTER TABLE orders VALIDATE CONSTRAINT orders_c3_chk;

UPDATE users SET c3 = 0 WHERE c3 IS NULL AND id < 1000;

COMMENT ON TABLE t3 IS 'generated table number 3; see ticket DB-3';

CREATE OR REPLACE FUNCTION f3(x integer) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  -- a body with ; inside
  RETURN x + 3;
END;
$$;

-- rollsafe:contract approved-by=alice ticket=DB-3
ALTER TABLE users DROP COLUMN IF EXISTS old_c3;
