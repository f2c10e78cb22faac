DROP TABLE users;
DROP TABLE orders;
