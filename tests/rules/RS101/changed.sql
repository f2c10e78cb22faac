-- unit: 001_create changed
CREATE TABLE tags (id bigint PRIMARY KEY, name text);
-- unit: 002_index changed
-- silent: tags is created by another migration of the same change
CREATE INDEX tags_name_idx ON tags (name);
-- unit: 003_later
-- fires: 003_later is not part of the change, so tags already exists for it
CREATE INDEX tags_name_idx2 ON tags (name); -- fires
