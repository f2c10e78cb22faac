CREATE TABLE IF NOT EXISTS staging (id int);
