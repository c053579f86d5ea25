DROP TABLE sessions;
DROP TABLE users;
DROP FUNCTION todo_ts(timestamptz);
