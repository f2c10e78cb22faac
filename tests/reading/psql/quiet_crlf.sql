-- a comment
CREATE TABLE IF NOT EXISTS t (a int);
