CREATE TYPE mood AS ENUM ('happy');
CREATE VIEW recent_orders AS SELECT id FROM orders;
ALTER TABLE orders ADD CONSTRAINT orders_created_at_check CHECK (created_at > '2000-01-01') NOT VALID;
CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';
