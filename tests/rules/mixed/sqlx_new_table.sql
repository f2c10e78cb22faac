-- unit: 20240101_create_audit layout=sqlx wrapped=true changed
-- A new table and everything done to it in the same change: nothing here blocks anyone.
CREATE TABLE audit_log (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint, payload jsonb);
CREATE INDEX audit_log_user_id_idx ON audit_log (user_id);
ALTER TABLE audit_log ADD COLUMN created_at timestamptz NOT NULL;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_payload_check CHECK (payload IS NOT NULL);
ALTER TABLE audit_log ALTER COLUMN user_id SET NOT NULL;
INSERT INTO audit_log (user_id, payload, created_at) VALUES (1, '{}', now());
-- unit: 20240102_audit_uuid layout=sqlx wrapped=true changed
ALTER TABLE audit_log ADD COLUMN uid uuid DEFAULT gen_random_uuid();
ALTER TABLE audit_log ALTER COLUMN user_id TYPE integer;
