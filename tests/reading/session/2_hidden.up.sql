SELECT 'x\', '; DROP TABLE users; -- ';
