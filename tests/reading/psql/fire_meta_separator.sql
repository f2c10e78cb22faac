\set ON_ERROR_STOP on \\ DROP TABLE users;
