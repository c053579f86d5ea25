-- Rate limits every server of a fleet shares (PostgreSQL): one row per
-- limited key, its "theoretical arrival time" (GCRA) in milliseconds
-- since the epoch. The key is a keyed hash (no address or login in
-- clear). UNLOGGED: no WAL for a counter; a crash or a failover forgets
-- the limits, which only admits a burst again.

CREATE UNLOGGED TABLE rate_limits (
    key text PRIMARY KEY,
    tat bigint NOT NULL
);

CREATE INDEX rate_limits_tat ON rate_limits (tat);
