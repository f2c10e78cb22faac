-- unit: 001_wrapped wrapped=true
CREATE TABLE a (id int);
CREATE INDEX a_idx ON a (id);
-- unit: 002_plain
CREATE TABLE b (id int); -- fires
CREATE INDEX b_idx ON b (id); -- fires
CREATE VIEW b_view AS SELECT * FROM b; -- fires
CREATE SEQUENCE b_seq; -- fires
CREATE TYPE mood AS ENUM ('happy');
CREATE TABLE IF NOT EXISTS c (id int);
CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
INSERT INTO b VALUES (1) ON CONFLICT DO NOTHING;
-- unit: 003_golang layout=golang-migrate
CREATE TABLE d (id int);
CREATE INDEX d_idx ON d (id);
-- unit: 004_single
CREATE TABLE e (id int);
-- unit: 005_explicit
BEGIN;
CREATE TABLE f (id int);
CREATE INDEX f_idx ON f (id);
COMMIT;
-- unit: 006_last
SELECT 1;
CREATE TABLE g (id int);
-- unit: 007_down direction=down
CREATE TABLE h (id int);
CREATE INDEX h_idx ON h (id);
