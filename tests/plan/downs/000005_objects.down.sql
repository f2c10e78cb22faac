DROP VIEW recent_orders;
DROP FUNCTION one();
