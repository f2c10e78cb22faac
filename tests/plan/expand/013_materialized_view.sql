CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(total_cents) AS total FROM orders GROUP BY user_id;
