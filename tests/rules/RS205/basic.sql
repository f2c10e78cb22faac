-- unit: 001_views layout=flyway wrapped=true direction=repeatable
CREATE VIEW active_users AS SELECT 1 AS id; -- fires
CREATE OR REPLACE VIEW active_users2 AS SELECT 1 AS id;
INSERT INTO settings VALUES ('x'); -- fires
ALTER TABLE settings RENAME COLUMN a TO b; -- fires
DO $$ BEGIN PERFORM 1; END $$;
DROP VIEW IF EXISTS old_view;
-- unit: 002_versioned layout=flyway wrapped=true
CREATE VIEW reports AS SELECT 1 AS id;
