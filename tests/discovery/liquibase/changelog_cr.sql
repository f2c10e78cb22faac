--liquibase formatted sql
--changeset alice:1
CREATE TABLE IF NOT EXISTS t (id int);
--rollback DROP TABLE IF EXISTS t;DROP TABLE users;
