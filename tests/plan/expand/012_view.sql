CREATE VIEW active_users AS SELECT id, nickname FROM users;
