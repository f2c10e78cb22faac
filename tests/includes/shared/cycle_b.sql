SELECT 2;
\include_relative cycle_a.sql
