CREATE TABLE audit (id bigint);
\i 'shared/drop orders.sql'
