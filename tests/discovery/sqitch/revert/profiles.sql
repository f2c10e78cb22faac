BEGIN;
DROP TABLE IF EXISTS profiles;
DROP TABLE legacy_profiles;
COMMIT;
