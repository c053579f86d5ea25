-- Tasks, always owned by one user. `completed` is not stored: it is
-- status = 'completed'. Every list query is "user_id = ? [filters] ORDER BY
-- <key>, id" and each sort key has an index that starts with user_id and
-- ends with id, so a page is read in index order without a sort step.

CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    description   TEXT,
    status        TEXT NOT NULL
                  CHECK (status IN ('pending', 'in_progress', 'completed')),
    priority      TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    priority_rank INTEGER NOT NULL,   -- low 0 < medium 1 < high 2
    due_date      TEXT,               -- UTC RFC 3339, microseconds, Z
    title_fold    TEXT NOT NULL,      -- case-folded title: the title sort key
    search        TEXT NOT NULL,      -- case-folded title "\n" description: q
    version       INTEGER NOT NULL,   -- +1 on every write; the ETag
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE INDEX tasks_user_created ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_updated ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_user_priority ON tasks (user_id, priority_rank, id);
CREATE INDEX tasks_user_title ON tasks (user_id, title_fold, id);
-- Tasks without a due date sort last in both orders: one index per order.
CREATE INDEX tasks_user_due_asc
    ON tasks (user_id, (due_date IS NULL), due_date, id);
CREATE INDEX tasks_user_due_desc
    ON tasks (user_id, (due_date IS NULL), due_date DESC, id DESC);
