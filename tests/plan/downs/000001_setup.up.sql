CREATE TABLE orders (id bigint PRIMARY KEY, created_at timestamptz NOT NULL);
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone text, legacy text);
