--liquibase formatted sql
--changeset alice:5
CREATE TABLE IF NOT EXISTS w (id int);
--ignoreLines:start
DROP TABLE accounts;
--ignoreLines:end
--rollback DROP TABLE IF EXISTS w;
