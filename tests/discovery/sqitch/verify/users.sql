SELECT id FROM users WHERE false;
