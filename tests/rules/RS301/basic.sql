-- unit: 001_wrapped layout=sqlx wrapped=true
CREATE INDEX CONCURRENTLY orders_idx ON orders (id); -- fires
-- unit: 002_not_wrapped layout=sqlx
CREATE INDEX CONCURRENTLY orders_idx2 ON orders (id);
-- unit: 003_explicit
BEGIN;
VACUUM orders; -- fires
COMMIT;
VACUUM orders;
-- unit: 004_flyway layout=flyway wrapped=true
CREATE INDEX CONCURRENTLY orders_idx3 ON orders (id);
-- unit: 005_enum wrapped=true
ALTER TYPE mood ADD VALUE 'sad';
