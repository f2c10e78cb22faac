COMMENT ON TABLE users IS 'people';
