--liquibase formatted sql
--changeset alice:3
--precondition-sql-check expectedResult:0 DELETE FROM invoices RETURNING 0
CREATE TABLE IF NOT EXISTS v (id int);
--rollback DROP TABLE IF EXISTS v;
