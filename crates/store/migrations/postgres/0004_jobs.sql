-- The durable job queue (see migrations/sqlite/0003_jobs.sql for the why). Claims use
-- `FOR UPDATE SKIP LOCKED`, so several server processes never take the same job at once.
CREATE TABLE jobs (
    id          uuid PRIMARY KEY,
    queue       text NOT NULL,
    unique_key  text,
    account_id  uuid,
    owner       text,
    state       text NOT NULL,
    due_at      bigint NOT NULL,
    attempts    integer NOT NULL,
    lease_token uuid,
    last_error  text,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL,
    payload     json NOT NULL
);
CREATE INDEX jobs_due ON jobs(queue, due_at) WHERE state = 'pending';
CREATE INDEX jobs_owner ON jobs(owner, id);
CREATE INDEX jobs_queue_id ON jobs(queue, id);
CREATE UNIQUE INDEX jobs_unique ON jobs(queue, unique_key) WHERE unique_key IS NOT NULL;
