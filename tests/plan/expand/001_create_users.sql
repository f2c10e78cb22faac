CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email varchar(50) NOT NULL, nickname text NOT NULL, created_at timestamptz);
