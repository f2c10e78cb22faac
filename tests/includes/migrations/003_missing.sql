CREATE TABLE t (id bigint);
\ir ../shared/nope.sql
