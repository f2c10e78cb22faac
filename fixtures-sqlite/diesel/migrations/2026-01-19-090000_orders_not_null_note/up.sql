ALTER TABLE orders ADD COLUMN note TEXT NOT NULL;
ALTER TABLE orders ADD COLUMN shipped_at TEXT;
-- the rebuild SQLite needs to make user_id nullable
CREATE TABLE orders_new (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER REFERENCES users (id),
    total_cents INTEGER NOT NULL CHECK (total_cents >= 0),
    created_at  TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    note        TEXT NOT NULL DEFAULT '',
    shipped_at  TEXT
);
INSERT INTO orders_new (id, user_id, total_cents, created_at, note, shipped_at)
    SELECT id, user_id, total_cents, created_at, note, shipped_at FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_user_id_idx ON orders (user_id);
