CREATE OR REPLACE FUNCTION drop_users() RETURNS void LANGUAGE sql AS $$ DROP TABLE users $$;

CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION dynamic(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TABLE %I', t);
END $$;
