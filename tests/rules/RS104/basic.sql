-- unit: 001_setup
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);
-- unit: 002_fk
ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id); -- fires
ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey2 FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey2;
ALTER TABLE orders ADD COLUMN referrer_id bigint REFERENCES customers (id); -- fires
-- silent: a new table referencing an existing one, and a foreign key on a new table
CREATE TABLE payments (id bigint PRIMARY KEY, order_id bigint REFERENCES orders (id));
CREATE TABLE refunds (id bigint PRIMARY KEY, payment_id bigint);
ALTER TABLE refunds ADD FOREIGN KEY (payment_id) REFERENCES payments (id);
