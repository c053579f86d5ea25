-- Every user's number of tasks, kept by triggers inside the same
-- transaction as the write that changes it: the unfiltered list total is
-- one row read, not a walk over the user's index entries (PostgreSQL keeps
-- counting: a counter row would serialise concurrent writers of one user
-- on its lock, which SQLite's single writer does anyway).

CREATE TABLE task_counts (
    user_id TEXT PRIMARY KEY,
    n       INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO task_counts (user_id, n)
    SELECT user_id, count(*) FROM tasks GROUP BY user_id;

CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks
BEGIN
    INSERT INTO task_counts (user_id, n) VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks
BEGIN
    UPDATE task_counts SET n = n - 1 WHERE user_id = OLD.user_id;
END;

CREATE TRIGGER users_count_delete AFTER DELETE ON users
BEGIN
    DELETE FROM task_counts WHERE user_id = OLD.id;
END;
