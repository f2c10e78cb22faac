-- rollsafe:contract approved-by=bob ticket=DB-7 scope=file recovery=restore-from-backup
\ir ../shared/nested.sql
