-- Users and their login sessions (PostgreSQL).
-- Times are timestamptz; statements render them as UTC RFC 3339 with
-- microseconds through todo_ts(), the same text SQLite stores.

CREATE FUNCTION todo_ts(t timestamptz) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') $$;

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,          -- lowercased by the module
    username      text NOT NULL,          -- as registered; unique ignoring case
    password_hash text NOT NULL,          -- bcrypt ($2b$)
    is_active     boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_created_at_id ON users (created_at, id);

-- One row per login; see sql/sqlite3/0001_init.up.sql.
CREATE TABLE sessions (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    generation  bigint NOT NULL DEFAULT 0,
    rotated_at  timestamptz,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX sessions_user_id ON sessions (user_id);
