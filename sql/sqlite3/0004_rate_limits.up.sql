-- Rate limits kept in the database (see sql/pgsql/0003_rate_limits.up.sql).
-- One SQLite file has one server, whose shared memory limits already: the
-- table is here so that both dialects run the same statements (and the
-- unit tests can run them).

CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX rate_limits_tat ON rate_limits (tat);
