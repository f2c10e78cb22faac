-- unit: 001_setup
CREATE TABLE events (id bigint, at date NOT NULL, payload text) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
-- unit: 002_index
-- CONCURRENTLY is refused on the parent: the advice is the per-partition build
CREATE INDEX events_payload_idx ON events (payload); -- fires
-- the safe way, step by step
CREATE INDEX events_at_idx ON ONLY events (at);
CREATE INDEX CONCURRENTLY events_2024_at_idx ON events_2024 (at);
ALTER INDEX events_at_idx ATTACH PARTITION events_2024_at_idx;
-- a partition on its own is a plain table
CREATE INDEX events_2025_payload_idx ON events_2025 (payload); -- fires
