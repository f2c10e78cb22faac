CREATE TABLE IF NOT EXISTS t (a text);
COPY t (a) FROM stdin;
DROP TABLE users;
\.
