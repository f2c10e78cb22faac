-- the included file, linted as part of the migration that includes it
DROP TABLE users;
