--liquibase formatted sql
--changeset alice:2
CREATE TABLE IF NOT EXISTS u (id int);
  --ignoreLines:start
DROP TABLE orders;
  --ignoreLines:end
