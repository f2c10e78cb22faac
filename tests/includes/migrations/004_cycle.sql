\ir ../shared/cycle_a.sql
