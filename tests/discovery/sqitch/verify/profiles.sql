SELECT id FROM profiles WHERE false;
DROP TABLE sessions;
