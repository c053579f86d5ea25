-- Every user's number of tasks, kept by a trigger inside the transaction
-- of the write that changes it (as on SQLite, sql/sqlite3/0003): a list's
-- unfiltered total is one row read, not a count over the user's index
-- entries on every list. The counter row's lock serialises one user's
-- concurrent creates and deletes until they commit; each of them takes
-- that user's advisory lock for its event anyway (0004_events), always
-- after the counter's, so this adds no wait and no deadlock.

-- Writers wait while the counts are taken and the trigger is made, so
-- no write falls between the two.
LOCK TABLE tasks IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE task_counts (
    user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    n       bigint NOT NULL
);

INSERT INTO task_counts (user_id, n)
    SELECT user_id, count(*) FROM tasks GROUP BY user_id;

CREATE FUNCTION task_counts_keep() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO task_counts AS c (user_id, n) VALUES (NEW.user_id, 1)
            ON CONFLICT (user_id) DO UPDATE SET n = c.n + 1;
    ELSE
        UPDATE task_counts SET n = n - 1 WHERE user_id = OLD.user_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER tasks_count AFTER INSERT OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION task_counts_keep();
