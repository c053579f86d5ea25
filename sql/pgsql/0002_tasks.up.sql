-- Tasks (PostgreSQL); see sql/sqlite3/0002_tasks.up.sql for the design.
-- title_fold uses the "C" collation so that title order is code point
-- order of the folded title on every database.

CREATE TABLE tasks (
    id            uuid PRIMARY KEY,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         text NOT NULL,
    description   text,
    status        text NOT NULL
                  CHECK (status IN ('pending', 'in_progress', 'completed')),
    priority      text NOT NULL CHECK (priority IN ('low', 'medium', 'high')),
    priority_rank smallint NOT NULL,
    due_date      timestamptz,
    title_fold    text COLLATE "C" NOT NULL,
    search        text NOT NULL,
    version       bigint NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX tasks_user_created ON tasks (user_id, created_at, id);
CREATE INDEX tasks_user_updated ON tasks (user_id, updated_at, id);
CREATE INDEX tasks_user_priority ON tasks (user_id, priority_rank, id);
CREATE INDEX tasks_user_title ON tasks (user_id, title_fold, id);
CREATE INDEX tasks_user_due_asc
    ON tasks (user_id, due_date ASC NULLS LAST, id ASC);
CREATE INDEX tasks_user_due_desc
    ON tasks (user_id, due_date DESC NULLS LAST, id DESC);
