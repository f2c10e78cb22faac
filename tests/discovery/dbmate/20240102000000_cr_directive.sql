-- migrate:upDROP TABLE orders;
-- migrate:down
SELECT 1;
