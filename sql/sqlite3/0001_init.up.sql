-- Users and their login sessions.
-- Times are UTC RFC 3339 text with microseconds ("2026-11-24T09:23:12.123456Z"),
-- written by the module, so text order is time order.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,          -- lowercased by the module
    username      TEXT NOT NULL,          -- as registered; unique ignoring case
    password_hash TEXT NOT NULL,          -- bcrypt ($2b$)
    is_active     INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
-- Usernames are ASCII-only, so lower() folds them completely.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_created_at_id ON users (created_at, id);

-- One row per login. Refresh tokens are derived from (id, generation) and
-- the server secret, so only the generation counter is stored: a refresh
-- moves it on by one, and presenting an older generation is reuse.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    generation  INTEGER NOT NULL DEFAULT 0,
    rotated_at  TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);
