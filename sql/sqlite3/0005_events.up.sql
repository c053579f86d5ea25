-- Durable task events: every task write (create, bulk create, update,
-- delete) writes its event here in its own transaction, so an event exists
-- exactly when its write does. The id is what an SSE stream sends as
-- `id:` and what a resume (Last-Event-ID) starts after: AUTOINCREMENT, so
-- that no id is ever given twice, even once pruning has emptied the table.
-- One writer at a time: ids are in commit order.

CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,     -- whose streams get it (no foreign key:
                                  -- deleting a user deletes them explicitly)
    payload    TEXT NOT NULL,     -- {"type": "task.created", "task": {...}},
                                  -- the text streams send
    created_at INTEGER NOT NULL   -- milliseconds since the epoch
);
CREATE INDEX events_user_id ON events (user_id, id);

-- What pruning removed: every event with an id up to up_to (and none
-- above), so a resume from an id below it may have missed events.
CREATE TABLE events_pruned (
    one   INTEGER PRIMARY KEY CHECK (one = 1),
    up_to INTEGER NOT NULL
);
INSERT INTO events_pruned (one, up_to) VALUES (1, 0);
