CREATE POLICY users_self ON users USING (true);
