-- unit: 001_setup
CREATE TABLE users (id bigint PRIMARY KEY, email text);
CREATE TABLE people (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
CREATE INDEX orders_total_idx ON orders (total);
CREATE TABLE invoices (id bigint PRIMARY KEY);
CREATE SEQUENCE invoice_numbers;
CREATE SCHEMA app;
CREATE SCHEMA archive;
-- unit: 002_search_path
-- under search_path app, `users` is app.users: public.users is the existing table
SET search_path TO app;
CREATE TABLE users (id bigint);
DROP TABLE public.users; -- fires
-- and an unqualified name means the table the path finds, the one just created
DROP TABLE users;
-- unit: 003_search_path_qualified
SET search_path TO app, public;
CREATE TABLE accounts (id bigint);
DROP TABLE app.accounts;
-- unit: 004_search_path_reset
-- RESET goes back to public: `accounts2` is then public.accounts2, not the new app table
SET search_path TO app;
CREATE TABLE accounts2 (id bigint);
RESET search_path;
DROP TABLE IF EXISTS accounts2; -- fires
-- unit: 005_default_path
-- a table created in public is not app's
CREATE TABLE drafts (id bigint);
DROP TABLE IF EXISTS app.drafts; -- fires
DROP TABLE drafts;
-- unit: 006_alter_index_renames_a_table
-- PostgreSQL renames any relation through ALTER INDEX: this renames the table
ALTER INDEX orders RENAME TO orders_old; -- fires
-- an index rename is not a contract step
ALTER INDEX orders_total_idx RENAME TO orders_total_ix;
ALTER INDEX people_pkey RENAME TO people_pk;
-- a name rollsafe does not know as an index may be a table
ALTER INDEX legacy_thing RENAME TO legacy_thing_old; -- fires
-- unit: 007_alter_table_renames_a_sequence
ALTER TABLE invoice_numbers RENAME TO invoice_seq; -- fires
-- unit: 008_new_then_renamed
-- a table created in this change is still new under its new name, and in its new schema
CREATE TABLE scratch (id bigint);
ALTER TABLE scratch RENAME TO scratch_v2;
ALTER INDEX scratch_v2 RENAME TO scratch_v3;
ALTER TABLE scratch_v3 SET SCHEMA archive;
DROP TABLE archive.scratch_v3;
-- unit: 009_existing_takes_a_new_name
-- an existing table renamed to the name a new table had is not new
CREATE TABLE staging (id bigint);
DROP TABLE staging;
ALTER TABLE people RENAME TO staging; -- fires
DROP TABLE staging; -- fires
-- unit: 010_existing_moved
ALTER TABLE invoices SET SCHEMA archive; -- fires
DROP TABLE archive.invoices; -- fires
