-- Fixed-window counters (per-address rate limits on sign-ins, API-key failures, reset requests,
-- public tracking). In the database rather than in each process's memory, so several server
-- processes on one database share one budget per client. `expires` = window start + length;
-- rows whose window has ended are deleted by a later window's first hit.
CREATE TABLE window_counters (
    name          TEXT NOT NULL,
    key           TEXT NOT NULL,
    window_start  INTEGER NOT NULL,
    expires       INTEGER NOT NULL,
    n             INTEGER NOT NULL,
    PRIMARY KEY (name, key, window_start)
) WITHOUT ROWID;
CREATE INDEX window_counters_expires ON window_counters(expires);
