CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE,
    nickname     TEXT,
    legacy_email TEXT,
    created_at   TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
