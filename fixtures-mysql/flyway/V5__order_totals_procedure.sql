/*!40101 SET NAMES utf8mb4 */;
DELIMITER //
CREATE PROCEDURE order_totals(IN uid BIGINT)
BEGIN
    SELECT SUM(total_cents) FROM orders WHERE user_id = uid;
END //
DELIMITER ;
