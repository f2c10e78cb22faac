\ir cycle_b.sql
