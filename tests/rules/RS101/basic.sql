-- unit: 001_setup
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, created_at timestamptz, total numeric);
-- unit: 002_indexes
-- fires: orders existed before this migration
CREATE INDEX orders_customer_id_idx ON orders (customer_id); -- fires
CREATE UNIQUE INDEX ON public.orders (created_at); -- fires
-- silent: CONCURRENTLY
CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);
-- silent: a table created earlier in this migration
CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint);
CREATE INDEX invoices_order_id_idx ON public.invoices (order_id);
-- fires: a table rollsafe has never seen existed before
CREATE INDEX legacy_accounts_email_idx ON legacy_accounts (email); -- fires
-- unit: 003_down direction=down
CREATE INDEX orders_customer_id_idx ON orders (customer_id); -- fires
