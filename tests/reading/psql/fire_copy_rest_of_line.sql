CREATE TABLE t (a int);
COPY t (a) FROM stdin; DROP TABLE users;
1
\.
