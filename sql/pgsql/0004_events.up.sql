-- Durable task events (PostgreSQL); see sql/sqlite3/0005_events.up.sql.
-- Ids are drawn from one sequence by concurrent writers, so they need not
-- commit in id order; one user's do: each write takes the user's advisory
-- lock before drawing its event's id and holds it until it commits
-- (todo_sql.c, todo_event_insert). created_at is the database's clock:
-- a BRIN index serves the listeners' catch-up ("events made since T")
-- for next to nothing per insert, since rows arrive in time order.

CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    uuid NOT NULL,
    payload    text NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX events_user_id ON events (user_id, id);
CREATE INDEX events_created_at ON events USING brin (created_at);

CREATE TABLE events_pruned (
    one   boolean PRIMARY KEY DEFAULT true CHECK (one),
    up_to bigint NOT NULL
);
INSERT INTO events_pruned (up_to) VALUES (0);
