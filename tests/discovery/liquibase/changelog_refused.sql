--liquibase formatted sql
--changeset alice: 4
DROP TABLE payments;
