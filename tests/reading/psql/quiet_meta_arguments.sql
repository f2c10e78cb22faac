\echo DROP TABLE users;
\set x 'a \\ DROP TABLE users;'
\! echo \\ DROP TABLE users;
