-- Fixed-window counters shared by every server process on this database (see
-- migrations/sqlite/0002_window_counters.sql for the why).
CREATE TABLE window_counters (
    name          text NOT NULL,
    key           text NOT NULL,
    window_start  bigint NOT NULL,
    expires       bigint NOT NULL,
    n             bigint NOT NULL,
    PRIMARY KEY (name, key, window_start)
);
CREATE INDEX window_counters_expires ON window_counters(expires);
