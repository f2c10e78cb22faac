-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY, email text, active boolean);
CREATE TABLE audit (id bigint, email text);
-- unit: 002_whole_table
-- every row, however the condition is spelled
DELETE FROM users; -- fires
DELETE FROM users WHERE true; -- fires
DELETE FROM users WHERE 1 = 1; -- fires
DELETE FROM users WHERE 'a' = 'a' AND NOT false; -- fires
DELETE FROM users WHERE id > 0 OR 2 > 1; -- fires
DELETE FROM users WHERE 't'::boolean; -- fires
DELETE FROM users USING audit; -- fires
DELETE FROM users WHERE NULL IS NULL AND true IS NOT FALSE; -- fires
DELETE FROM users WHERE EXISTS (SELECT 1); -- fires
UPDATE users SET email = NULL; -- fires
UPDATE users SET active = false WHERE 1 <> 2; -- fires
-- a data-modifying CTE runs whether or not the query reads it
WITH d AS (DELETE FROM users RETURNING *) SELECT count(*) FROM d; -- fires
WITH d AS (DELETE FROM users RETURNING id, email) INSERT INTO audit SELECT * FROM d; -- fires
WITH u AS (UPDATE users SET email = lower(email) RETURNING id) INSERT INTO audit SELECT id, NULL FROM u; -- fires
-- EXPLAIN ANALYZE runs the statement; COPY runs its query
EXPLAIN ANALYZE DELETE FROM users; -- fires
EXPLAIN (ANALYZE, COSTS off) UPDATE users SET email = ''; -- fires
COPY (DELETE FROM users RETURNING *) TO STDOUT; -- fires
-- MERGE that reaches every row
MERGE INTO users u USING (SELECT 1 AS one) s ON true WHEN MATCHED THEN DELETE; -- fires
MERGE INTO users u USING (SELECT 1 AS one) s ON true WHEN MATCHED THEN UPDATE SET email = NULL; -- fires
MERGE INTO users u USING audit a ON u.id = a.id WHEN NOT MATCHED BY SOURCE THEN DELETE; -- fires
TRUNCATE users; -- fires
TRUNCATE TABLE ONLY users, audit RESTART IDENTITY CASCADE; -- fires
-- a condition true wherever a NOT NULL column is not NULL: every row
DELETE FROM users WHERE id IS NOT NULL; -- fires
UPDATE users SET email = '' WHERE id = id AND true; -- fires
DELETE FROM users WHERE id >= id OR email = 'x'; -- fires
-- unit: 003_prepared
PREPARE wipe AS DELETE FROM users;
EXECUTE wipe; -- fires
EXPLAIN ANALYZE EXECUTE wipe; -- fires
PREPARE tidy (bigint) AS DELETE FROM users WHERE id = $1;
EXECUTE tidy(1);
DEALLOCATE wipe;
-- unit: 004_filtered
-- a filtered change, a plan without running it, a batch
DELETE FROM users WHERE id = 1;
DELETE FROM users WHERE NULL;
DELETE FROM users WHERE EXISTS (SELECT 1 FROM audit WHERE audit.id = users.id);
DELETE FROM users WHERE EXISTS (SELECT 1 WHERE false);
DELETE FROM users WHERE email IS NULL;
DELETE FROM users WHERE email IS NOT NULL;
UPDATE users SET active = true WHERE email = email;
DELETE FROM users u USING audit a WHERE u.id = a.id;
DO $$ DECLARE r record; BEGIN FOR r IN SELECT id FROM audit LOOP UPDATE users SET email = '' WHERE id = r.id; END LOOP; END $$;
UPDATE users SET active = true WHERE id BETWEEN 1 AND 1000;
EXPLAIN DELETE FROM users;
EXPLAIN (ANALYZE false) DELETE FROM users;
WITH s AS (SELECT id FROM users) SELECT * FROM s;
MERGE INTO users u USING audit a ON u.id = a.id WHEN MATCHED THEN DELETE;
MERGE INTO users u USING audit a ON true WHEN MATCHED AND a.email IS NULL THEN DELETE;
COPY (SELECT * FROM users) TO STDOUT;
-- unit: 005_backfill
-- only columns added in this change: a backfill (RS115's subject), not a contract step
ALTER TABLE users ADD COLUMN nickname text;
UPDATE users SET nickname = email;
-- a table created in this change
CREATE TABLE scratch (id bigint);
DELETE FROM scratch;
UPDATE scratch SET id = 0;
