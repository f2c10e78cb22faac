-- rollsafe:contract approved-by=bob ticket=DB-7 scope=file
\ir ../shared/nested.sql
