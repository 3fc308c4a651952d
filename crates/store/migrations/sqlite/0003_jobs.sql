-- A durable job queue (the transactional outbox and every delivery it fans out to). Jobs are
-- inserted in the same transaction as the change that causes them, claimed with a lease
-- (`due_at` moves to the lease's end, so a job whose worker died comes back by itself), and
-- finished only by the holder of the current `lease_token`: a worker whose lease ran out
-- cannot mark a job another worker now holds. Times are Unix milliseconds.
CREATE TABLE jobs (
    id          BLOB PRIMARY KEY,          -- UUIDv7: creation order
    queue       TEXT NOT NULL,             -- events, email, sms, webhook, nats, …
    unique_key  TEXT,                      -- at most one job per (queue, unique_key), ever
    account_id  BLOB,                      -- whose data it carries (listing for customers)
    owner       TEXT,                      -- what it belongs to (an endpoint, a user) for its log
    state       TEXT NOT NULL,             -- pending | done | dead
    due_at      INTEGER NOT NULL,          -- next attempt (or the end of the current lease)
    attempts    INTEGER NOT NULL,
    lease_token BLOB,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    payload     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX jobs_due ON jobs(queue, due_at) WHERE state = 'pending';
CREATE INDEX jobs_owner ON jobs(owner, id);
CREATE INDEX jobs_queue_id ON jobs(queue, id);
CREATE UNIQUE INDEX jobs_unique ON jobs(queue, unique_key) WHERE unique_key IS NOT NULL;
