SET standard_conforming_strings = off;
SELECT E'x\', '' ; DROP TABLE users; -- ';
RESET standard_conforming_strings;
SELECT 'a\', '; DROP TABLE users; -- ';
